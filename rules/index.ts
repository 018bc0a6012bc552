// Every rule, in alphabetical order. Adding a rule: its module, its doc
// (rules/<id>.md), its fixtures (test/fixtures/<id>/) and one line here.
import type { AnyRule } from '../src/rule.js';
import addHeaderAllowNotAlways from './add-header-allow-not-always.js';
import addHeaderDropsInherited from './add-header-drops-inherited.js';
import corsMethodsMismatch from './cors-methods-mismatch.js';
import corsPreflightBlocked from './cors-preflight-blocked.js';
import corsPreflightStatic from './cors-preflight-static.js';
import davMethodsIgnored from './dav-methods-ignored.js';
import directiveArguments from './directive-arguments.js';
import directiveContext from './directive-context.js';
import errorPage405Masks from './error-page-405-masks.js';
import errorPage405UriDropsMethod from './error-page-405-uri-drops-method.js';
import frontControllerStaticWrite from './front-controller-static-write.js';
import includeMissing from './include-missing.js';
import limitExceptBlocksPreflight from './limit-except-blocks-preflight.js';
import limitExceptInvalidMethod from './limit-except-invalid-method.js';
import limitExceptNoEffect from './limit-except-no-effect.js';
import limitExceptNotInherited from './limit-except-not-inherited.js';
import limitExceptSkipsRewrite from './limit-except-skips-rewrite.js';
import limitHeadGet from './limit-head-get.js';
import limitInvalidMethod from './limit-invalid-method.js';
import limitLeavesMethodsOpen from './limit-leaves-methods-open.js';
import limitNoEffect from './limit-no-effect.js';
import limitNonAccessDirective from './limit-non-access-directive.js';
import missingAllowHeader from './missing-allow-header.js';
import multipleContentHandlers from './multiple-content-handlers.js';
import proxyPassSlashRedirect from './proxy-pass-slash-redirect.js';
import proxyPassUriJoin from './proxy-pass-uri-join.js';
import proxyPassUriNotAllowed from './proxy-pass-uri-not-allowed.js';
import proxySettingsWithoutPass from './proxy-settings-without-pass.js';
import redirectDropsMethod from './redirect-drops-method.js';
import regexLocationShadowsProxy from './regex-location-shadows-proxy.js';
import requestMethodCase from './request-method-case.js';
import return405WithoutAllow from './return-405-without-allow.js';
import spaFallbackSwallowsWrites from './spa-fallback-swallows-writes.js';
import staticLocationWrite from './static-location-write.js';
import syntaxError from './syntax-error.js';

export const rules: readonly AnyRule[] = [
  addHeaderAllowNotAlways,
  addHeaderDropsInherited,
  corsMethodsMismatch,
  corsPreflightBlocked,
  corsPreflightStatic,
  davMethodsIgnored,
  directiveArguments,
  directiveContext,
  errorPage405Masks,
  errorPage405UriDropsMethod,
  frontControllerStaticWrite,
  includeMissing,
  limitExceptBlocksPreflight,
  limitExceptInvalidMethod,
  limitExceptNoEffect,
  limitExceptNotInherited,
  limitExceptSkipsRewrite,
  limitHeadGet,
  limitInvalidMethod,
  limitLeavesMethodsOpen,
  limitNoEffect,
  limitNonAccessDirective,
  missingAllowHeader,
  multipleContentHandlers,
  proxyPassSlashRedirect,
  proxyPassUriJoin,
  proxyPassUriNotAllowed,
  proxySettingsWithoutPass,
  redirectDropsMethod,
  regexLocationShadowsProxy,
  requestMethodCase,
  return405WithoutAllow,
  spaFallbackSwallowsWrites,
  staticLocationWrite,
  syntaxError,
];

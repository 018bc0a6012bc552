// Every rule, in alphabetical order. Adding a rule: its module, its doc
// (rules/<id>.md), its fixtures (test/fixtures/<id>/) and one line here.
import type { AnyRule } from '../src/rule.js';
import directiveArguments from './directive-arguments.js';
import directiveContext from './directive-context.js';
import includeMissing from './include-missing.js';
import syntaxError from './syntax-error.js';

export const rules: readonly AnyRule[] = [directiveArguments, directiveContext, includeMissing, syntaxError];

// What the nginx rules share: sending simulated requests to a server and to
// each location (the Host, port and sample URI that `verblint routes` finds
// reach it), and naming other lines in messages.
import type { Directive, ParseResult } from './model.js';
import { allLocations, modelOf, type NginxLocation, type NginxModel, type NginxServer } from './nginx-model.js';
import type { Outcome } from './outcome.js';
import { sampleUri, serverRequest } from './routes.js';
import { simulate } from './simulate.js';

/** Sends a request to one server; headers not given are absent, files unknown. */
export type Send = (method: string, uri: string, headers?: Record<string, string>) => Outcome;

export interface LocationProbe {
  server: NginxServer;
  /** A sample URI whose GET reaches the location. */
  uri: string;
  send: Send;
}

export interface Probes {
  /** Servers some Host reaches. */
  servers: Map<NginxServer, Send>;
  /** Locations some sample URI reaches (named locations never). */
  locations: Map<NginxLocation, LocationProbe>;
}

const cache = new WeakMap<NginxModel, Probes>();

/** Probes for every server and location of a tree, made once per model. */
export function probesOf(tree: ParseResult): Probes {
  const model = modelOf(tree);
  const cached = cache.get(model);
  if (cached) return cached;
  const probes: Probes = { servers: new Map(), locations: new Map() };
  const sim = (request: Parameters<typeof simulate>[1]): Outcome => simulate(model, request);
  for (const server of model.servers) {
    const to = serverRequest(server, sim);
    if (!to) continue;
    const send: Send = (method, uri, headers = {}) => simulate(model, { ...to, method, uri, headers });
    probes.servers.set(server, send);
    for (const loc of allLocations(server.locations)) {
      const uri = loc.modifier === '@' ? undefined : sampleUri(loc, to, sim);
      if (uri !== undefined) probes.locations.set(loc, { server, uri, send });
    }
  }
  cache.set(model, probes);
  return probes;
}

/** `line N`, or `file:N` when the directive is in another file than `from`. */
export function lineOf(d: Directive, from?: Directive): string {
  return from && from.file !== d.file ? `${d.file}:${d.line}` : `line ${d.line}`;
}

// What the nginx rules share: sending simulated requests to a server and to
// each location (the Host, port and sample URI that `verblint routes` finds
// reach it), and naming other lines in messages.
import type { Directive, ParseResult } from './model.js';
import { allLocations, modelOf, type NginxLocation, type NginxModel, type NginxServer } from './nginx-model.js';
import type { Outcome } from './outcome.js';
import { sampleUri, serverRequest, type ServerRequest } from './routes.js';
import { chosenServer, simulate } from './simulate.js';

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
  servers: { get(server: NginxServer): Send | undefined };
  /** Locations some sample URI reaches (named locations never). */
  locations: { get(location: NginxLocation): LocationProbe | undefined };
}

const cache = new WeakMap<NginxModel, Probes>();

/**
 * Probes for the servers and locations of a tree, one model each, each made
 * on first use: finding a sample URI takes simulated requests, and most
 * rules want it only for the few locations they look at.
 */
export function probesOf(tree: ParseResult): Probes {
  const model = modelOf(tree);
  const cached = cache.get(model);
  if (cached) return cached;
  const sim = (request: Parameters<typeof simulate>[1]): Outcome => simulate(model, request);
  const servers = new Map<NginxServer, { to: ServerRequest; send: Send } | null>();
  const serverProbe = (server: NginxServer) => {
    let found = servers.get(server);
    if (found === undefined) {
      const to = serverRequest(server, (r) => chosenServer(model, r));
      found = to && { to, send: (method, uri, headers = {}) => simulate(model, { ...to, method, uri, headers }) };
      servers.set(server, found);
    }
    return found;
  };
  const locations = new Map<NginxLocation, LocationProbe | null>();
  const probes: Probes = {
    servers: { get: (server) => serverProbe(server)?.send },
    locations: {
      get(loc) {
        let found = locations.get(loc);
        if (found === undefined) {
          const server = serverProbe(loc.server);
          const uri = server && loc.modifier !== '@' ? sampleUri(loc, server.to, sim) : undefined;
          found = server && uri !== undefined ? { server: loc.server, uri, send: server.send } : null;
          locations.set(loc, found);
        }
        return found ?? undefined;
      },
    },
  };
  cache.set(model, probes);
  return probes;
}

/** Every location of every server in order: a location in a file that two servers include comes once per server. */
export function* serverLocations(model: NginxModel): Generator<NginxLocation> {
  for (const server of model.servers) yield* allLocations(server.locations);
}

/** `line N`, or `file:N` when the directive is in another file than `from`. */
export function lineOf(d: Directive, from?: Directive): string {
  return from && from.file !== d.file ? `${d.file}:${d.line}` : `line ${d.line}`;
}

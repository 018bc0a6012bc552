// What the nginx rules share: sending simulated requests to a server and to
// each location (the Host, port and sample URI that `verblint routes` finds
// reach it), and naming other lines in messages.
import type { Directive, ParseResult } from './model.js';
import { allLocations, modelOf, type NginxLocation, type NginxModel, type NginxServer } from './nginx-model.js';
import type { Outcome } from './outcome.js';
import { requestTo, sampleUri, serverRequest } from './routes.js';
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
  servers: { get(server: NginxServer): Send | undefined };
  /** Locations some sample URI reaches (named locations never). */
  locations: { get(location: NginxLocation): LocationProbe | undefined };
}

const cache = new WeakMap<NginxModel, Probes>();

/**
 * Probes for the servers and locations of a tree, one model each, each made
 * on first use: finding a sample URI takes simulated requests, and most
 * rules want it only for the few locations they look at. What is kept is
 * small (a Host per server, a URI per location), for every server and
 * location of a big config: the requests and `send` functions are made
 * again when asked for.
 */
export function probesOf(tree: ParseResult): Probes {
  const model = modelOf(tree);
  const cached = cache.get(model);
  if (cached) return cached;
  const sim = (request: Parameters<typeof simulate>[1]): Outcome => simulate(model, request);
  /** The Host that reaches each server asked about; null when none does. */
  const hosts = new Map<NginxServer, string | null>();
  const hostOf = (server: NginxServer): string | null => {
    let host = hosts.get(server);
    if (host === undefined) hosts.set(server, (host = serverRequest(model, server)?.host ?? null));
    return host;
  };
  const sendTo = (server: NginxServer, host: string): Send => (method, uri, headers = {}) => simulate(model, { ...requestTo(server, host), method, uri, headers });
  /** The sample URI of each location asked about; null when none reaches it. */
  const uris = new Map<NginxLocation, string | null>();
  const probes: Probes = {
    servers: {
      get(server) {
        const host = hostOf(server);
        return host === null ? undefined : sendTo(server, host);
      },
    },
    locations: {
      get(loc) {
        const server = loc.server;
        let uri = uris.get(loc);
        if (uri === undefined) {
          const host = hostOf(server);
          uri = (host !== null && loc.modifier !== '@' ? sampleUri(loc, requestTo(server, host), sim) : undefined) ?? null;
          uris.set(loc, uri);
        }
        return uri === null ? undefined : { server, uri, send: sendTo(server, hostOf(server)!) };
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

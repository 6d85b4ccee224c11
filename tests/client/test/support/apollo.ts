// An Apollo Client 4 set-up as a front-end would have it: a bearer-token link, the
// multipart upload link (apollo-upload-client) for queries, mutations and uploads, a
// graphql-ws link for subscriptions, optionally Apollo's persisted-query link (APQ),
// and a cache whose `adverseEvents` field uses relay-style pagination.

import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import type { GraphQLFormattedError } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface ClientOptions {
  /** `http://host:port/graphql`. */
  httpUrl: string;
  /** `ws://host:port/graphql/ws`; subscriptions need it. */
  wsUrl?: string;
  /** The current access token, read on every request (and at WebSocket connect). */
  token?: () => string | undefined;
  /** A `fetch` to use instead of the global one (to observe requests). */
  fetch?: typeof fetch;
  /** Put Apollo's persisted-query link in front of the HTTP link. */
  apq?: { useGETForHashedQueries?: boolean };
}

export interface TestClient {
  client: ApolloClient;
  /** The graphql-ws client, when `wsUrl` was given. */
  ws: WsClient | undefined;
  close(): Promise<void>;
}

/** SHA-256 (hex) as Apollo's persisted-query link wants it. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function makeCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          // Pages of one list (same filter and order) are merged into one edge list.
          adverseEvents: relayStylePagination(['filter', 'orderBy']),
        },
      },
    },
  });
}

export function makeClient(options: ClientOptions): TestClient {
  const token = options.token ?? (() => undefined);

  const auth = new SetContextLink((prev) => {
    const t = token();
    return t ? { headers: { ...prev.headers, authorization: `Bearer ${t}` } } : {};
  });

  // The terminating HTTP link: a GraphQL multipart request when the variables hold a
  // File/Blob, a plain JSON POST otherwise. The server (like Apollo Server) refuses
  // multipart and GET requests without a CSRF-safe header.
  const http = new UploadHttpLink({
    uri: options.httpUrl,
    headers: { 'apollo-require-preflight': 'true' },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const httpChain = options.apq
    ? ApolloLink.from([
        new PersistedQueryLink({
          sha256,
          useGETForHashedQueries: options.apq.useGETForHashedQueries ?? false,
        }),
        http,
      ])
    : http;

  let ws: WsClient | undefined;
  let link: ApolloLink = httpChain;
  if (options.wsUrl) {
    ws = createClient({
      url: options.wsUrl,
      webSocketImpl: WebSocket,
      // Sent in `connection_init`; the server closes the socket with 4403 without it.
      connectionParams: () => {
        const t = token();
        return t ? { Authorization: `Bearer ${t}` } : {};
      },
      retryAttempts: 0,
    });
    link = ApolloLink.split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
      },
      new GraphQLWsLink(ws),
      httpChain,
    );
  }

  const client = new ApolloClient({
    link: ApolloLink.from([auth, link]),
    cache: makeCache(),
    defaultOptions: {
      query: { fetchPolicy: 'network-only' },
      watchQuery: { fetchPolicy: 'network-only' },
    },
  });

  return {
    client,
    ws,
    async close() {
      client.stop();
      await ws?.dispose();
    },
  };
}

/** The GraphQL errors an Apollo operation was rejected with. */
export function graphQLErrors(error: unknown): readonly GraphQLFormattedError[] {
  if (CombinedGraphQLErrors.is(error)) return error.errors;
  if (ServerError.is(error)) {
    // A non-2xx response: the body is still GraphQL-shaped (`{ "errors": [...] }`).
    const body = JSON.parse(error.bodyText) as { errors?: GraphQLFormattedError[] };
    return body.errors ?? [];
  }
  throw error;
}

/**
 * Awaits an operation that must be refused, and returns its first error after checking
 * that it carries `extensions.code === code`.
 */
export async function expectCode(operation: Promise<unknown>, code: string): Promise<GraphQLFormattedError> {
  let result: unknown;
  try {
    result = await operation;
  } catch (error) {
    const errors = graphQLErrors(error);
    assert.ok(errors.length > 0, `expected ${code}, got an error without GraphQL errors: ${String(error)}`);
    assert.equal(
      errors[0]?.extensions?.code,
      code,
      `expected extensions.code ${code}, got ${JSON.stringify(errors)}`,
    );
    return errors[0]!;
  }
  assert.fail(`expected ${code}, but the operation succeeded: ${JSON.stringify(result)}`);
}

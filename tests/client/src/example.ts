// The Apollo Client set-up shown in the README ("Clients"), kept here so that `tsc
// --noEmit` proves it still compiles against the generated types. Not run by the tests
// (test/support/apollo.ts is the set-up they use).

import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';
import { createClient } from 'graphql-ws';
import { AdverseEventStatusChangedDocument, LoginDocument, UploadAttachmentDocument } from './gql/graphql';

export async function example(file: File): Promise<void> {
  let token: string | undefined;
  const auth = new SetContextLink((prev) =>
    token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {});
  const http = new UploadHttpLink({
    uri: 'http://127.0.0.1:8000/graphql',
    headers: { 'apollo-require-preflight': 'true' },
  });
  const ws = new GraphQLWsLink(createClient({
    url: 'ws://127.0.0.1:8000/graphql/ws',
    connectionParams: () => ({ Authorization: `Bearer ${token}` }), // checked in connection_init
  }));
  const client = new ApolloClient({
    link: ApolloLink.from([auth, ApolloLink.split(
      ({ query }) => {
        const d = getMainDefinition(query);
        return d.kind === 'OperationDefinition' && d.operation === 'subscription';
      },
      ws,
      http,
    )]),
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { adverseEvents: relayStylePagination(['filter', 'orderBy']) } } },
    }),
  });

  // Variables and results are typed from schema.graphql.
  const { data } = await client.mutate({
    mutation: LoginDocument,
    variables: { input: { login: 'asha', password: 'Str0ng!Passphrase' } },
  });
  token = data?.login.accessToken;
  await client.mutate({ mutation: UploadAttachmentDocument, variables: { eventId: '1', file } });
  client.subscribe({ query: AdverseEventStatusChangedDocument, variables: { eventId: '1' } })
    .subscribe(({ data }) => console.log(data?.adverseEventStatusChanged.status));
}

/*
 * Mounts the GraphiQL playground served at GET /graphql.
 *
 * Kept in a separate file (served as /graphql/assets/init.js) because the
 * server's Content-Security-Policy forbids inline scripts.
 *
 * Globals provided by the vendored UMD bundles loaded before this file:
 *   React, ReactDOM (React 18), GraphiQL (GraphiQL 4; GraphiQL.createFetcher
 *   bundles a graphql-ws client for subscriptions).
 */
(function () {
  'use strict';

  var container = document.getElementById('graphiql');

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    container.textContent =
      'The GraphQL playground failed to load its scripts. ' +
      'You can still POST GraphQL requests (JSON) to ' + location.pathname + '.';
    return;
  }

  var httpUrl = location.origin + '/graphql';
  var wsUrl =
    (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql/ws';

  // Queries and mutations: POST JSON to /graphql.
  // Subscriptions: WebSocket, graphql-transport-ws protocol, at /graphql/ws.
  // The JSON from the "Headers" editor is sent as HTTP headers on POSTs and as
  // the connection_init payload (connectionParams) on the WebSocket, e.g.
  // {"Authorization": "Bearer <token>"}.
  var fetcher = GraphiQL.createFetcher({
    url: httpUrl,
    subscriptionUrl: wsUrl,
  });

  var defaultQuery = [
    '# Rakshaayan API - GraphQL playground',
    '#',
    '# Authenticate: log in to get an access token,',
    '# open the "Headers" tab below and paste',
    '#',
    '#   {"Authorization": "Bearer <access token>"}',
    '#',
    '# Headers are not saved across reloads unless you',
    '# enable that in the settings (gear icon).',
    '#',
    '# Run: the play button or Ctrl/Cmd + Enter.',
    '# Subscriptions use WebSocket (graphql-transport-ws)',
    '# at /graphql/ws; the headers above are sent as',
    '# its connection parameters.',
    '',
    '{',
    '  me {',
    '    id',
    '    username',
    '  }',
    '}',
    '',
  ].join('\n');

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      // Do not keep tokens in localStorage unless the user opts in through
      // the settings dialog (which shows the toggle thanks to the next line).
      shouldPersistHeaders: false,
      showPersistHeadersSettings: true,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();

// Apollo Client 4 against the release server (fresh SQLite database, OTP outbox):
// accounts and OTP, events and their review with a live subscription, a multipart
// upload and its signed download, relay-style pagination, error codes, APQ, admin.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  AdverseEventsDocument,
  AdverseEventStatsDocument,
  AdverseEventStatusChangedDocument,
  ApproveAdverseEventDocument,
  AssignDoctorDocument,
  AssignRoleDocument,
  AuditLogsDocument,
  ChangePasswordDocument,
  CreateAdverseEventDocument,
  CreateDoctorDocument,
  CreatePatientRecordDocument,
  CreateRoleDocument,
  CreateUserDocument,
  DeleteAttachmentDocument,
  DeletePatientDocumentDocument,
  DeletePatientRecordDocument,
  DoctorAssignmentsDocument,
  DoctorDocument,
  DoctorsDocument,
  DocumentStatsDocument,
  EventAttachmentsDocument,
  HelpTopicsDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  MyPermissionsDocument,
  MySessionsDocument,
  MySettingsDocument,
  PatientRecordDocument,
  PatientRecordsDocument,
  PatientSummaryDocument,
  RefreshTokenDocument,
  RegisterDocument,
  RequestOtpDocument,
  ResetPasswordDocument,
  RolesDocument,
  StartReviewDocument,
  SubmitAdverseEventDocument,
  SystemStatsDocument,
  UnassignDoctorDocument,
  UnverifiedUsersDocument,
  UpdateAdverseEventDocument,
  UpdateMySettingsDocument,
  UpdatePatientRecordDocument,
  UpdateProfileDocument,
  UploadAttachmentDocument,
  UploadPatientDocumentDocument,
  UserRolesDocument,
  UsersDocument,
  VerifyOtpDocument,
  type CreateAdverseEventInput,
  type EventStatus,
  type AdverseEventsQuery,
  type LoginMutation,
} from '../src/gql/graphql.ts';
import { expectCode, makeClient, sha256, type TestClient } from './support/apollo.ts';
import { latestCode } from './support/outbox.ts';
import { createAdmin, jwtSecret, removeDir, sleep, startServer, tempDir, type Server } from './support/server.ts';

const PASSWORD = 'Str0ng!Passphrase';
const ADMIN = { username: 'admin', email: 'admin@example.org', phone: '+919800000000', password: 'Adm1n!Passphrase' };

/** A real 1×1 PNG (valid chunks and CRCs). */
const PNG = Buffer.concat([
  Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.from('0000000d4944415478da63f8cfc0f01f0005000201a3bd5f4f', 'hex'),
  Buffer.from('0000000049454e44ae426082', 'hex'),
]);

/** A small but valid one-page PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

function eventInput(title: string): CreateAdverseEventInput {
  return {
    title,
    description: 'The monitor stopped showing readings during the night.',
    severity: 'MODERATE',
    deviceName: 'Cardiac Monitor',
    deviceCategory: 'Monitoring',
    manufacturer: 'MedTech Inc.',
    modelNumber: 'CM-2024',
    serialNumber: 'SN123456789',
    eventDate: daysAgo(10),
    eventLocation: 'Mumbai Hospital',
    symptoms: 'Incorrect readings',
    witnesses: 'Nurse present',
    supportingDocuments: [],
  };
}

/** One observed HTTP request and the response it got. */
interface Exchange {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
  status: number;
  response: unknown;
}

/** A `fetch` that records every exchange (bodies parsed where they are JSON). */
function recordingFetch(log: Exchange[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    let body: unknown;
    if (init?.body instanceof FormData) body = init.body;
    else if (typeof init?.body === 'string') body = JSON.parse(init.body);
    const response = await fetch(input, init);
    const text = await response.clone().text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    log.push({ method: request.method, url: request.url, headers: request.headers, body, status: response.status, response: parsed });
    return response;
  };
}

describe('Apollo Client end to end (release server, SQLite, OTP outbox)', () => {
  let dir: string;
  let server: Server;
  let outbox: string;
  const clients: TestClient[] = [];

  // The patient, as a front-end would keep them.
  const patient = {
    username: `asha.${randomBytes(3).toString('hex')}`,
    email: `asha.${randomBytes(3).toString('hex')}@example.org`,
    phone: `+9198${Math.floor(10_000_000 + Math.random() * 89_999_999)}`,
    password: PASSWORD,
    token: undefined as string | undefined,
    refresh: undefined as string | undefined,
    id: '',
  };
  let patientClient: TestClient;
  const patientHttp: Exchange[] = [];
  let anonymous: TestClient;
  let admin: TestClient;
  let adminToken: string | undefined;
  let coordinator: TestClient;
  let coordinatorToken: string | undefined;
  let coordinatorId = '';
  let eventId = '';

  before(async () => {
    dir = tempDir('rk-e2e');
    outbox = path.join(dir, 'otp-outbox.jsonl');
    const env = {
      DATABASE_URL: `sqlite://${path.join(dir, 'rakshaayan.db')}?mode=rwc`,
      JWT_SECRET: jwtSecret(),
      OTP_SMS_DELIVERY: 'outbox',
      OTP_EMAIL_DELIVERY: 'outbox',
      OTP_OUTBOX_PATH: outbox,
      STORAGE_DIR: path.join(dir, 'storage'),
      // Every request comes from 127.0.0.1: room for the whole scenario.
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
      AUTH_TARGET_RATE_LIMIT_PER_MINUTE: '100',
    };
    server = await startServer({ name: 'e2e', cwd: dir, env });
    createAdmin(env, dir, ADMIN);

    anonymous = makeClient({ httpUrl: server.graphqlUrl });
    patientClient = makeClient({
      httpUrl: server.graphqlUrl,
      wsUrl: server.wsUrl,
      token: () => patient.token,
      fetch: recordingFetch(patientHttp),
    });
    admin = makeClient({ httpUrl: server.graphqlUrl, token: () => adminToken });
    coordinator = makeClient({ httpUrl: server.graphqlUrl, token: () => coordinatorToken });
    clients.push(anonymous, patientClient, admin, coordinator);
  });

  after(async () => {
    for (const c of clients) await c.close();
    await server?.stop();
    if (dir) removeDir(dir);
  });

  async function login(client: TestClient, loginName: string, password: string): Promise<LoginMutation['login']> {
    const { data } = await client.client.mutate({ mutation: LoginDocument, variables: { input: { login: loginName, password } } });
    assert.ok(data);
    return data.login;
  }

  it('refuses operations with extensions.code (UNAUTHENTICATED, BAD_USER_INPUT)', async () => {
    const unauthenticated = await expectCode(anonymous.client.query({ query: MeDocument }), 'UNAUTHENTICATED');
    assert.deepEqual(unauthenticated.path, ['me']);

    const invalid = await expectCode(
      anonymous.client.mutate({
        mutation: RegisterDocument,
        variables: {
          input: { username: 'bad name!', email: 'not-an-email', phoneNumber: '12', password: 'short', userType: 'PATIENT' },
        },
      }),
      'BAD_USER_INPUT',
    );
    const fieldErrors = invalid.extensions?.fieldErrors as Record<string, string[]>;
    for (const field of ['username', 'email', 'phoneNumber', 'password']) {
      assert.ok(Array.isArray(fieldErrors[field]) && fieldErrors[field].length > 0, `fieldErrors.${field}: ${JSON.stringify(fieldErrors)}`);
    }

    // Staff accounts cannot be self-registered.
    await expectCode(
      anonymous.client.mutate({
        mutation: RegisterDocument,
        variables: { input: { username: 'sneaky', email: 'sneaky@example.org', phoneNumber: '+919811111111', password: PASSWORD, userType: 'ADMIN' } },
      }),
      'BAD_USER_INPUT',
    );
  });

  it('registers, reads the code from the outbox, verifies the phone and logs in', async () => {
    const { data } = await anonymous.client.mutate({
      mutation: RegisterDocument,
      variables: {
        input: {
          username: patient.username,
          email: patient.email,
          phoneNumber: patient.phone,
          password: patient.password,
          userType: 'PATIENT',
          firstName: 'Asha',
        },
      },
    });
    assert.ok(data);
    assert.equal(data.register.user.username, patient.username);
    assert.equal(data.register.user.isPhoneVerified, false);
    patient.id = data.register.user.id;

    const sent = await latestCode(outbox, patient.phone, 'PHONE_VERIFICATION');
    assert.equal(sent.channel, 'sms');
    assert.match(sent.code, /^\d{6}$/);

    await expectCode(
      anonymous.client.mutate({
        mutation: VerifyOtpDocument,
        variables: { input: { phoneNumber: patient.phone, otpCode: sent.code === '000000' ? '111111' : '000000' } },
      }),
      'BAD_USER_INPUT',
    );
    const verified = await anonymous.client.mutate({
      mutation: VerifyOtpDocument,
      variables: { input: { phoneNumber: patient.phone, otpCode: sent.code, purpose: 'PHONE_VERIFICATION' } },
    });
    assert.equal(verified.data?.verifyOtp.success, true);

    const signedIn = await login(anonymous, patient.username, patient.password);
    assert.equal(signedIn.user.id, patient.id);
    assert.equal(signedIn.user.isPhoneVerified, true);
    assert.ok(Date.parse(signedIn.accessTokenExpiresAt) > Date.now());
    patient.token = signedIn.accessToken;
    patient.refresh = signedIn.refreshToken;

    const me = await patientClient.client.query({ query: MeDocument });
    assert.equal(me.data?.me.username, patient.username);
    assert.equal(me.data?.me.email, patient.email);
    const permissions = await patientClient.client.query({ query: MyPermissionsDocument });
    assert.equal(permissions.data?.myPermissions.userType, 'PATIENT');
    assert.ok(!permissions.data?.myPermissions.permissions.includes('events:review'));
  });

  it('creates and updates a draft event', async () => {
    const created = await patientClient.client.mutate({ mutation: CreateAdverseEventDocument, variables: { input: eventInput('Monitor went blank') } });
    assert.ok(created.data);
    const event = created.data.createAdverseEvent;
    assert.equal(event.status, 'DRAFT');
    assert.equal(event.patient?.username, patient.username);
    eventId = event.id;

    const updated = await patientClient.client.mutate({
      mutation: UpdateAdverseEventDocument,
      variables: { id: eventId, input: { title: 'Monitor went blank twice', severity: 'SEVERE', outcome: null } },
    });
    assert.equal(updated.data?.updateAdverseEvent.title, 'Monitor went blank twice');
    assert.equal(updated.data?.updateAdverseEvent.severity, 'SEVERE');
    assert.equal(updated.data?.updateAdverseEvent.description, event.description, 'a partial update keeps the rest');
  });

  it('uploads an attachment through the multipart upload link and downloads the same bytes', async () => {
    const before = patientHttp.length;
    const file = new File([PNG], 'scan.png', { type: 'image/png' });
    const { data } = await patientClient.client.mutate({ mutation: UploadAttachmentDocument, variables: { eventId, file } });
    assert.ok(data);
    const attachment = data.uploadAttachment;
    assert.equal(attachment.fileName, 'scan.png');
    assert.equal(attachment.fileType, 'IMAGE');
    assert.equal(attachment.contentType, 'image/png');
    assert.equal(attachment.fileSize, PNG.length);
    assert.equal(attachment.sha256, createHash('sha256').update(PNG).digest('hex'));
    assert.equal(attachment.eventId, eventId);

    // The link sent a GraphQL multipart request with the CSRF-safe header.
    const sent = patientHttp.slice(before);
    assert.equal(sent.length, 1);
    assert.ok(sent[0]!.body instanceof FormData, 'multipart body');
    const form = sent[0]!.body as FormData;
    assert.deepEqual(JSON.parse(String(form.get('map'))), { 1: ['variables.file'] });
    assert.equal(JSON.parse(String(form.get('operations'))).variables.file, null);
    assert.equal(sent[0]!.headers.get('apollo-require-preflight'), 'true');

    // Without that header the server refuses a multipart request (CSRF), as Apollo Server does.
    const bare = new FormData();
    bare.append('operations', JSON.stringify({ query: 'mutation($e: ID!, $f: Upload!) { uploadAttachment(eventId: $e, file: $f) { id } }', variables: { e: eventId, f: null } }));
    bare.append('map', JSON.stringify({ 0: ['variables.f'] }));
    bare.append('0', new File([PNG], 'scan.png', { type: 'image/png' }));
    // Sent as one buffered body: the server answers before reading a refused request's
    // body, and a streamed FormData upload then fails with EPIPE instead of this 400.
    const encoded = new Request(server.graphqlUrl, { method: 'POST', body: bare });
    const refused = await fetch(server.graphqlUrl, {
      method: 'POST',
      body: Buffer.from(await encoded.arrayBuffer()),
      headers: { authorization: `Bearer ${patient.token}`, 'content-type': encoded.headers.get('content-type')! },
    });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'BAD_REQUEST');

    // Download through the signed URL, from the event's attachment list.
    const listed = await patientClient.client.query({ query: EventAttachmentsDocument, variables: { id: eventId } });
    const attachments = listed.data?.adverseEvent.attachments ?? [];
    assert.equal(attachments.length, 1, 'the refused upload stored nothing');
    const url = attachments[0]!.downloadUrl;
    assert.ok(url.startsWith(`${server.url}/files/`), url);
    const download = await fetch(url);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(PNG), 'downloaded bytes equal the uploaded ones');

    // A second upload, then deleteAttachment removes it.
    const text = new File(['time,value\n10:00,98\n'], 'readings.csv', { type: 'text/csv' });
    const second = await patientClient.client.mutate({ mutation: UploadAttachmentDocument, variables: { eventId, file: text } });
    assert.equal(second.data?.uploadAttachment.fileType, 'DOCUMENT');
    const deleted = await patientClient.client.mutate({ mutation: DeleteAttachmentDocument, variables: { id: second.data!.uploadAttachment.id } });
    assert.equal(deleted.data?.deleteAttachment, second.data!.uploadAttachment.id);
    assert.equal((await fetch(second.data!.uploadAttachment.downloadUrl)).status, 404);
  });

  it('a coordinator reviews the event while the patient subscription sees SUBMITTED → UNDER_REVIEW → APPROVED', async () => {
    // The admin (from `rakshaayan create-admin`) creates a coordinator account.
    adminToken = (await login(admin, ADMIN.username, ADMIN.password)).accessToken;
    const coordinatorName = `coord.${randomBytes(3).toString('hex')}`;
    const created = await admin.client.mutate({
      mutation: CreateUserDocument,
      variables: {
        input: {
          username: coordinatorName,
          email: `${coordinatorName}@example.org`,
          phoneNumber: '+919822222222',
          password: PASSWORD,
          userType: 'COORDINATOR',
          firstName: 'Ravi',
        },
      },
    });
    assert.equal(created.data?.createUser.userType, 'COORDINATOR');
    coordinatorId = created.data!.createUser.id;
    coordinatorToken = (await login(coordinator, coordinatorName, PASSWORD)).accessToken;

    // A socket without a token is closed with 4403.
    const refusedSocket = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const closeCode = await new Promise<number>((resolve) => {
      refusedSocket.subscribe(
        { query: 'subscription($id: ID!) { adverseEventStatusChanged(eventId: $id) { id } }', variables: { id: eventId } },
        {
          next: () => resolve(-1),
          error: (error) => resolve((error as { code?: number }).code ?? -2),
          complete: () => resolve(-3),
        },
      );
    });
    await refusedSocket.dispose();
    assert.equal(closeCode, 4403);

    // The patient's live subscription over graphql-ws, through Apollo's GraphQLWsLink.
    const statuses: EventStatus[] = [];
    const errors: unknown[] = [];
    let connected = false;
    patientClient.ws!.on('connected', () => {
      connected = true;
    });
    const subscription = patientClient.client
      .subscribe({ query: AdverseEventStatusChangedDocument, variables: { eventId } })
      .subscribe({
        next: (result) => {
          if (result.error) errors.push(result.error);
          const status = result.data?.adverseEventStatusChanged.status;
          if (status) statuses.push(status);
        },
        error: (error) => errors.push(error),
      });
    const deadline = Date.now() + 10_000;
    while (!connected && Date.now() < deadline) await sleep(20);
    assert.ok(connected, 'the WebSocket was acknowledged');
    await sleep(500); // let the server register the subscription

    const submitted = await patientClient.client.mutate({ mutation: SubmitAdverseEventDocument, variables: { id: eventId } });
    assert.equal(submitted.data?.submitAdverseEvent.status, 'SUBMITTED');

    // A patient may not review.
    const forbidden = await expectCode(patientClient.client.mutate({ mutation: StartReviewDocument, variables: { id: eventId } }), 'FORBIDDEN');
    assert.ok(forbidden.extensions?.reason, 'FORBIDDEN says why');

    const started = await coordinator.client.mutate({ mutation: StartReviewDocument, variables: { id: eventId } });
    assert.equal(started.data?.startReview.status, 'UNDER_REVIEW');
    assert.equal(started.data?.startReview.reviewedBy?.username, coordinatorName);
    const approved = await coordinator.client.mutate({ mutation: ApproveAdverseEventDocument, variables: { id: eventId, note: 'Confirmed with the manufacturer' } });
    assert.equal(approved.data?.approveAdverseEvent.status, 'APPROVED');
    assert.equal(approved.data?.approveAdverseEvent.reviewNote, 'Confirmed with the manufacturer');
    assert.ok(approved.data?.approveAdverseEvent.reviewedAt);

    const until = Date.now() + 10_000;
    while (statuses.length < 3 && Date.now() < until) await sleep(20);
    subscription.unsubscribe();
    assert.deepEqual(errors, []);
    assert.deepEqual(statuses, ['SUBMITTED', 'UNDER_REVIEW', 'APPROVED']);

    // Closed: further changes are an illegal transition with the current status.
    const invalid = await expectCode(
      patientClient.client.mutate({ mutation: UpdateAdverseEventDocument, variables: { id: eventId, input: { title: 'Too late' } } }),
      'INVALID_STATE',
    );
    assert.equal(invalid.extensions?.currentStatus, 'APPROVED');

    const stats = await coordinator.client.query({ query: AdverseEventStatsDocument });
    assert.equal(stats.data?.adverseEventStats.total, 1);
    assert.deepEqual(stats.data?.adverseEventStats.byStatus.map(({ key, count }) => ({ key, count })), [{ key: 'APPROVED', count: 1 }]);
  });

  it('pages through adverseEvents with relayStylePagination and fetchMore', async () => {
    const tag = `paging-${randomBytes(3).toString('hex')}`;
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      const { data } = await patientClient.client.mutate({ mutation: CreateAdverseEventDocument, variables: { input: eventInput(`${tag} report ${i}`) } });
      ids.add(data!.createAdverseEvent.id);
    }
    const before = patientHttp.length;
    const observable = patientClient.client.watchQuery({
      query: AdverseEventsDocument,
      variables: { filter: { search: tag }, first: 3 },
    });
    // What a UI would render: every complete result the watched query emits.
    type Connection = AdverseEventsQuery['adverseEvents'];
    let latest: Connection | undefined;
    let failure: unknown;
    const watching = observable.subscribe({
      next: (result) => {
        if (result.dataState === 'complete') latest = result.data.adverseEvents;
      },
      error: (error) => {
        failure = error;
      },
    });
    /** The next rendered list with more than `shown` edges. */
    const rendered = async (shown: number): Promise<Connection> => {
      const deadline = Date.now() + 5_000;
      while ((latest?.edges.length ?? 0) <= shown && failure === undefined && Date.now() < deadline) await sleep(10);
      assert.equal(failure, undefined);
      assert.ok(latest && latest.edges.length > shown, `a list longer than ${shown} was rendered`);
      return latest;
    };

    let connection = await rendered(0);
    assert.equal(connection.edges.length, 3);
    assert.equal(connection.totalCount, 7);
    let pages = 1;
    while (connection.pageInfo.hasNextPage) {
      const page = await observable.fetchMore({ variables: { after: connection.pageInfo.endCursor } });
      assert.ok((page.data?.adverseEvents.edges.length ?? 0) <= 3, 'fetchMore got one page');
      connection = await rendered(connection.edges.length);
      pages += 1;
      assert.ok(pages <= 5, 'pagination ends');
    }
    watching.unsubscribe();
    assert.equal(pages, 3, '3 + 3 + 1');
    // The cache merged every page into one list.
    const collected = connection.edges.map((edge) => edge.node.id);
    assert.equal(collected.length, 7);
    assert.deepEqual(new Set(collected), ids);
    // Newest first (the default order).
    const created = connection.edges.map((edge) => Date.parse(edge.node.createdAt));
    assert.deepEqual(created, [...created].sort((a, b) => b - a));
    const requests = patientHttp.slice(before).filter((x) => (x.body as { operationName?: string }).operationName === 'AdverseEvents');
    assert.equal(requests.length, 3, 'one request per page');
    assert.deepEqual(
      requests.map((x) => (x.body as { variables: { first: number; after?: string } }).variables.first),
      [3, 3, 3],
    );
  });

  it('sends persisted queries: hash only, PERSISTED_QUERY_NOT_FOUND retried with the text, then hash only', async () => {
    const exchanges: Exchange[] = [];
    const apq = makeClient({ httpUrl: server.graphqlUrl, fetch: recordingFetch(exchanges), apq: {} });
    clients.push(apq);
    const first = await apq.client.query({ query: HelpTopicsDocument });
    const second = await apq.client.query({ query: HelpTopicsDocument });
    assert.ok((first.data?.helpTopics.length ?? 0) > 0, 'help topics are seeded');
    assert.deepEqual(second.data, first.data);

    assert.equal(exchanges.length, 3, JSON.stringify(exchanges.map((x) => x.body)));
    const [miss, retry, hit] = exchanges as [Exchange, Exchange, Exchange];
    type ApqBody = { query?: string; extensions?: { persistedQuery?: { version: number; sha256Hash: string } } };
    const hash = (miss.body as ApqBody).extensions?.persistedQuery?.sha256Hash;
    assert.match(hash ?? '', /^[0-9a-f]{64}$/);
    // 1: the hash alone, refused with Apollo's code and message.
    assert.equal((miss.body as ApqBody).query, undefined);
    const missErrors = (miss.response as { errors: { message: string; extensions: { code: string } }[] }).errors;
    assert.equal(missErrors[0]!.extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal(missErrors[0]!.message, 'PersistedQueryNotFound');
    // 2: the link retried with the text and the same hash.
    const retried = retry.body as ApqBody;
    assert.ok(retried.query?.includes('helpTopics'));
    assert.equal(retried.extensions?.persistedQuery?.sha256Hash, hash);
    assert.equal(sha256(retried.query!), hash);
    assert.ok((retry.response as { data?: unknown }).data);
    // 3: the second request sent only the hash, and it was answered.
    assert.equal((hit.body as ApqBody).query, undefined);
    assert.equal((hit.body as ApqBody).extensions?.persistedQuery?.sha256Hash, hash);
    assert.ok((hit.response as { data?: unknown }).data);

    // Hashed queries over GET (CSRF-safe header included): no query text in the URL.
    const getExchanges: Exchange[] = [];
    const getClient = makeClient({ httpUrl: server.graphqlUrl, fetch: recordingFetch(getExchanges), apq: { useGETForHashedQueries: true } });
    clients.push(getClient);
    const viaGet = await getClient.client.query({ query: HelpTopicsDocument });
    assert.deepEqual(viaGet.data, first.data);
    assert.equal(getExchanges.length, 1);
    assert.equal(getExchanges[0]!.method, 'GET');
    const params = new URL(getExchanges[0]!.url).searchParams;
    assert.equal(params.get('query'), null);
    assert.ok(params.get('extensions')?.includes(hash!));
  });

  it('runs the admin operations (users, roles, assignRole, auditLogs, systemStats, unverifiedUsers)', async () => {
    const users = await admin.client.query({ query: UsersDocument, variables: { filter: { userType: ['COORDINATOR'] }, first: 10 } });
    assert.deepEqual(users.data?.users.edges.map((e) => e.node.id), [coordinatorId]);
    assert.equal(users.data?.users.totalCount, 1);

    const role = await admin.client.mutate({
      mutation: CreateRoleDocument,
      variables: { input: { name: `Statisticians ${randomBytes(2).toString('hex')}`, description: 'Event statistics', permissions: ['events:stats'] } },
    });
    assert.deepEqual(role.data?.createRole.permissions, ['events:stats']);
    await expectCode(
      admin.client.mutate({ mutation: CreateRoleDocument, variables: { input: { name: 'Bogus', permissions: ['no:such'] } } }),
      'BAD_USER_INPUT',
    );
    const roles = await admin.client.query({ query: RolesDocument });
    assert.ok(roles.data?.roles.some((r) => r.id === role.data!.createRole.id));

    const assigned = await admin.client.mutate({ mutation: AssignRoleDocument, variables: { input: { userId: patient.id, roleId: role.data!.createRole.id } } });
    assert.equal(assigned.data?.assignRole.assignedBy?.username, ADMIN.username);
    await expectCode(
      admin.client.mutate({ mutation: AssignRoleDocument, variables: { input: { userId: patient.id, roleId: role.data!.createRole.id } } }),
      'CONFLICT',
    );
    const held = await patientClient.client.query({ query: UserRolesDocument, variables: { userId: patient.id } });
    assert.deepEqual(held.data?.userRoles.map((r) => r.role.name), [role.data!.createRole.name]);
    // The role now lets the patient read statistics.
    const stats = await patientClient.client.query({ query: AdverseEventStatsDocument });
    assert.equal(stats.data?.adverseEventStats.total, 1);

    const logins = await admin.client.query({ query: AuditLogsDocument, variables: { filter: { action: ['LOGIN'] }, first: 50 } });
    assert.ok((logins.data?.auditLogs.totalCount ?? 0) >= 3);
    assert.ok(logins.data?.auditLogs.edges.every((e) => e.node.action === 'LOGIN'));
    const eventAudit = await admin.client.query({ query: AuditLogsDocument, variables: { filter: { resourceId: eventId }, first: 50 } });
    assert.ok((eventAudit.data?.auditLogs.totalCount ?? 0) >= 4, 'create, update, submit, review, approve are audited');

    const system = await admin.client.query({ query: SystemStatsDocument });
    assert.equal(system.data?.systemStats.attachmentBytes, PNG.length);
    assert.equal(system.data?.systemStats.usersByType.find((c) => c.key === 'ADMIN')?.count, 1);
    const pending = await admin.client.query({ query: UnverifiedUsersDocument, variables: { first: 10 } });
    assert.deepEqual(pending.data?.unverifiedUsers.edges.map((e) => e.node.id).includes(coordinatorId), true);
    assert.equal(pending.data?.unverifiedUsers.edges.some((e) => e.node.id === patient.id), false);

    await expectCode(patientClient.client.query({ query: SystemStatsDocument }), 'FORBIDDEN');
  });

  it('runs the care operations (patient records, doctors, assignments, documents, summary)', async () => {
    const doctor = await admin.client.mutate({
      mutation: CreateDoctorDocument,
      variables: {
        input: {
          firstName: 'Meera',
          lastName: 'Iyer',
          specialization: 'CARDIOLOGY',
          licenseNumber: `MCI-${randomBytes(4).toString('hex')}`,
          yearsOfExperience: 12,
          consultationFee: '250.00',
          hospitalName: 'City Hospital',
          city: 'Mumbai',
        },
      },
    });
    assert.ok(doctor.data);
    const doctorId = doctor.data.createDoctor.id;
    assert.equal(doctor.data.createDoctor.consultationFee, '250.00', 'Decimal is a string');
    assert.equal(doctor.data.createDoctor.specialization, 'CARDIOLOGY');

    const surname = `Rao${randomBytes(3).toString('hex')}`;
    const record = await admin.client.mutate({
      mutation: CreatePatientRecordDocument,
      variables: { input: { firstName: 'Kiran', lastName: surname, gender: 'FEMALE', bloodGroup: 'O_POSITIVE', dateOfBirth: '1990-04-12' } },
    });
    assert.ok(record.data);
    const recordId = record.data.createPatientRecord.id;
    assert.equal(record.data.createPatientRecord.fullName, `Kiran ${surname}`);
    assert.ok((record.data.createPatientRecord.age ?? 0) >= 35);
    const updated = await admin.client.mutate({ mutation: UpdatePatientRecordDocument, variables: { id: recordId, input: { allergies: 'Penicillin' } } });
    assert.equal(updated.data?.updatePatientRecord.allergies, 'Penicillin');
    assert.equal(updated.data?.updatePatientRecord.gender, 'FEMALE', 'a partial update keeps the rest');

    const assignment = await admin.client.mutate({
      mutation: AssignDoctorDocument,
      variables: { input: { patientId: recordId, doctorId, isPrimary: true, notes: 'Follow-up' } },
    });
    assert.equal(assignment.data?.assignDoctor.isPrimary, true);
    await expectCode(
      admin.client.mutate({ mutation: AssignDoctorDocument, variables: { input: { patientId: recordId, doctorId } } }),
      'CONFLICT',
    );

    // A document through the same multipart upload link, and its signed download.
    const uploaded = await admin.client.mutate({
      mutation: UploadPatientDocumentDocument,
      variables: { patientId: recordId, documentType: 'LAB_RESULT', file: new File([PDF], 'lab-result.pdf', { type: 'application/pdf' }) },
    });
    assert.ok(uploaded.data);
    const document = uploaded.data.uploadPatientDocument;
    assert.equal(document.fileType, 'DOCUMENT');
    assert.equal(document.contentType, 'application/pdf');
    assert.equal(document.sha256, createHash('sha256').update(PDF).digest('hex'));
    const fetched = await fetch(document.downloadUrl);
    assert.equal(fetched.status, 200);
    assert.ok(Buffer.from(await fetched.arrayBuffer()).equals(PDF));

    const read = await admin.client.query({ query: PatientRecordDocument, variables: { id: recordId } });
    assert.deepEqual(read.data?.patientRecord.doctors.map((d) => d.doctor.id), [doctorId]);
    assert.deepEqual(read.data?.patientRecord.documents.map((d) => d.id), [document.id]);
    const summary = await admin.client.query({ query: PatientSummaryDocument, variables: { id: recordId } });
    assert.equal(summary.data?.patientSummary.doctorCount, 1);
    assert.equal(summary.data?.patientSummary.primaryDoctor?.id, doctorId);
    assert.equal(summary.data?.patientSummary.documentCount, 1);
    const records = await admin.client.query({ query: PatientRecordsDocument, variables: { filter: { search: surname }, first: 10 } });
    assert.deepEqual(records.data?.patientRecords.edges.map((e) => e.node.id), [recordId]);
    const assignments = await admin.client.query({ query: DoctorAssignmentsDocument, variables: { filter: { patientId: recordId } } });
    assert.equal(assignments.data?.doctorAssignments.totalCount, 1);
    const stats = await admin.client.query({ query: DocumentStatsDocument });
    assert.equal(stats.data?.documentStats.total, 1);
    assert.equal(stats.data?.documentStats.totalBytes, PDF.length);
    assert.deepEqual(
      stats.data?.documentStats.byType.map(({ documentType, count }) => ({ documentType, count })),
      [{ documentType: 'LAB_RESULT', count: 1 }],
    );

    // Every authenticated user reads the directory; patient records are for the care roles.
    const directory = await patientClient.client.query({ query: DoctorsDocument, variables: { filter: { specialization: ['CARDIOLOGY'] } } });
    assert.ok(directory.data?.doctors.edges.some((e) => e.node.id === doctorId));
    const one = await patientClient.client.query({ query: DoctorDocument, variables: { id: doctorId } });
    assert.equal(one.data?.doctor.displayName.includes('Iyer'), true);
    await expectCode(patientClient.client.query({ query: PatientRecordsDocument, variables: { first: 5 } }), 'FORBIDDEN');

    const unassigned = await admin.client.mutate({ mutation: UnassignDoctorDocument, variables: { id: assignment.data!.assignDoctor.id } });
    assert.equal(unassigned.data?.unassignDoctor, assignment.data!.assignDoctor.id);
    const removed = await admin.client.mutate({ mutation: DeletePatientDocumentDocument, variables: { id: document.id } });
    assert.equal(removed.data?.deletePatientDocument, document.id);
    assert.equal((await fetch(document.downloadUrl)).status, 404);
    const deleted = await admin.client.mutate({ mutation: DeletePatientRecordDocument, variables: { id: recordId } });
    assert.equal(deleted.data?.deletePatientRecord, recordId);
    await expectCode(admin.client.query({ query: PatientRecordDocument, variables: { id: recordId } }), 'NOT_FOUND');
  });

  it('keeps settings and serves help topics', async () => {
    const settings = await patientClient.client.query({ query: MySettingsDocument });
    assert.equal(settings.data?.mySettings.notificationPreference, 'EMAIL');
    assert.equal(settings.data?.mySettings.language, 'en');
    const updated = await patientClient.client.mutate({ mutation: UpdateMySettingsDocument, variables: { input: { language: 'HI-in', notificationPreference: 'SMS' } } });
    assert.equal(updated.data?.updateMySettings.language, 'hi-IN');
    assert.equal(updated.data?.updateMySettings.notificationPreference, 'SMS');
    await expectCode(
      patientClient.client.mutate({ mutation: UpdateMySettingsDocument, variables: { input: { language: 'xx-YY' } } }),
      'BAD_USER_INPUT',
    );
    const topics = await anonymous.client.query({ query: HelpTopicsDocument, variables: { search: 'password' } });
    assert.ok(topics.data?.helpTopics.every((t) => `${t.question} ${t.answer}`.toLowerCase().includes('password')));
  });

  it('rotates refresh tokens, changes and resets the password, and logs out', async () => {
    const profile = await patientClient.client.mutate({ mutation: UpdateProfileDocument, variables: { input: { lastName: 'Verma' } } });
    assert.equal(profile.data?.updateProfile.lastName, 'Verma');
    const sessions = await patientClient.client.query({ query: MySessionsDocument });
    assert.equal(sessions.data?.mySessions.filter((s) => s.current).length, 1);

    // Rotation: the new pair works; replaying the old refresh token revokes the session.
    const old = patient.refresh!;
    const rotated = await anonymous.client.mutate({ mutation: RefreshTokenDocument, variables: { refreshToken: old } });
    assert.ok(rotated.data);
    assert.notEqual(rotated.data.refreshToken.refreshToken, old);
    patient.token = rotated.data.refreshToken.accessToken;
    assert.equal((await patientClient.client.query({ query: MeDocument })).data?.me.id, patient.id);
    await expectCode(anonymous.client.mutate({ mutation: RefreshTokenDocument, variables: { refreshToken: old } }), 'UNAUTHENTICATED');
    await expectCode(patientClient.client.query({ query: MeDocument }), 'UNAUTHENTICATED');

    // changePassword: the old password stops working.
    patient.token = (await login(anonymous, patient.email, patient.password)).accessToken;
    const newPassword = 'N3w!Passphrase';
    const changed = await patientClient.client.mutate({ mutation: ChangePasswordDocument, variables: { input: { oldPassword: patient.password, newPassword } } });
    assert.equal(changed.data?.changePassword.success, true);
    await expectCode(login(anonymous, patient.username, patient.password), 'UNAUTHENTICATED');
    patient.password = newPassword;

    // resetPassword with an emailed PASSWORD_RESET code signs every session out.
    const requested = await anonymous.client.mutate({ mutation: RequestOtpDocument, variables: { input: { email: patient.email, purpose: 'PASSWORD_RESET' } } });
    assert.equal(requested.data?.requestOtp.success, true);
    const code = await latestCode(outbox, patient.email, 'PASSWORD_RESET');
    assert.equal(code.channel, 'email');
    const reset = await anonymous.client.mutate({
      mutation: ResetPasswordDocument,
      variables: { input: { email: patient.email, otpCode: code.code, newPassword: 'R3set!Passphrase' } },
    });
    assert.equal(reset.data?.resetPassword.success, true);
    await expectCode(patientClient.client.query({ query: MeDocument }), 'UNAUTHENTICATED');
    patient.password = 'R3set!Passphrase';

    // Log in by phone number, then log out: the access token stops working at once.
    patient.token = (await login(anonymous, patient.phone, patient.password)).accessToken;
    assert.equal((await patientClient.client.query({ query: MeDocument })).data?.me.id, patient.id);
    const out = await patientClient.client.mutate({ mutation: LogoutDocument });
    assert.equal(out.data?.logout.success, true);
    await expectCode(patientClient.client.query({ query: MeDocument }), 'UNAUTHENTICATED');
  });
});

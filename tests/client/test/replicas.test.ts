// Two replicas of the release server on one fresh PostgreSQL database and one Redis:
// a logout on A is honoured by B, rate limits are shared, and a subscription on A
// receives a change made on B.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  AdverseEventStatusChangedDocument,
  CreateAdverseEventDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  RegisterDocument,
  SubmitAdverseEventDocument,
  VerifyOtpDocument,
  type EventStatus,
} from '../src/gql/graphql.ts';
import { expectCode, makeClient, type TestClient } from './support/apollo.ts';
import { latestCode } from './support/outbox.ts';
import { jwtSecret, removeDir, sleep, startServer, tempDir, type Server } from './support/server.ts';

const PG_ADMIN_URL = process.env.REPLICAS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REPLICAS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Str0ng!Passphrase';
/** Per-IP budget of the public mutations, shared by both replicas through Redis. */
const IP_BUDGET = 8;

function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('two replicas on one PostgreSQL database and one Redis', () => {
  const database = `rk_e2e_${randomBytes(5).toString('hex')}`;
  const prefix = `rk-e2e-${randomBytes(5).toString('hex')}`;
  let dir: string;
  let outbox: string;
  let a: Server;
  let b: Server;
  const clients: TestClient[] = [];
  let created = false;

  before(async () => {
    await admin((c) => c.query(`CREATE DATABASE "${database}"`));
    created = true;
    dir = tempDir('rk-replicas');
    outbox = path.join(dir, 'otp-outbox.jsonl');
    const env = {
      DATABASE_URL: databaseUrl(database),
      DATABASE_MAX_CONNECTIONS: '8',
      JWT_SECRET: jwtSecret(),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      AUTH_RATE_LIMIT_PER_MINUTE: String(IP_BUDGET),
      // Only the rate-limit case sends X-Forwarded-For: its requests get their own budget.
      TRUST_PROXY: 'true',
      OTP_SMS_DELIVERY: 'outbox',
      OTP_EMAIL_DELIVERY: 'outbox',
      OTP_OUTBOX_PATH: outbox,
      STORAGE_DIR: path.join(dir, 'storage'),
    };
    // Both start at once: migrations take an advisory lock.
    [a, b] = await Promise.all([
      startServer({ name: 'replica-a', cwd: dir, env }),
      startServer({ name: 'replica-b', cwd: dir, env }),
    ]);
  });

  after(async () => {
    for (const c of clients) await c.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (created) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    // Rate-limit keys of this run (best effort; they expire anyway).
    spawnSync('sh', ['-c', `redis-cli -u ${REDIS_URL} --scan --pattern '${prefix}*' | xargs -r redis-cli -u ${REDIS_URL} del`], {
      stdio: 'ignore',
    });
    if (dir) removeDir(dir);
  });

  // A patient registered on A, verified on B (codes live in the shared database).
  const patient = {
    username: `ravi.${randomBytes(3).toString('hex')}`,
    email: `ravi.${randomBytes(3).toString('hex')}@example.org`,
    phone: `+9197${Math.floor(10_000_000 + Math.random() * 89_999_999)}`,
  };

  async function signIn(server: Server): Promise<string> {
    const client = makeClient({ httpUrl: server.graphqlUrl });
    clients.push(client);
    const { data } = await client.client.mutate({ mutation: LoginDocument, variables: { input: { login: patient.username, password: PASSWORD } } });
    assert.ok(data);
    return data.login.accessToken;
  }

  it('registers on A and verifies the phone on B', async () => {
    const onA = makeClient({ httpUrl: a.graphqlUrl });
    const onB = makeClient({ httpUrl: b.graphqlUrl });
    clients.push(onA, onB);
    await onA.client.mutate({
      mutation: RegisterDocument,
      variables: { input: { username: patient.username, email: patient.email, phoneNumber: patient.phone, password: PASSWORD, userType: 'PATIENT' } },
    });
    const { code } = await latestCode(outbox, patient.phone, 'PHONE_VERIFICATION');
    const verified = await onB.client.mutate({ mutation: VerifyOtpDocument, variables: { input: { phoneNumber: patient.phone, otpCode: code } } });
    assert.equal(verified.data?.verifyOtp.success, true);
  });

  it('a logout on A is honoured by B at once', async () => {
    const kept = await signIn(b);
    const token = await signIn(a);
    const onA = makeClient({ httpUrl: a.graphqlUrl, token: () => token });
    const onB = makeClient({ httpUrl: b.graphqlUrl, token: () => token });
    const otherOnB = makeClient({ httpUrl: b.graphqlUrl, token: () => kept });
    clients.push(onA, onB, otherOnB);

    assert.equal((await onB.client.query({ query: MeDocument })).data?.me.username, patient.username);
    const out = await onA.client.mutate({ mutation: LogoutDocument });
    assert.equal(out.data?.logout.success, true);
    await expectCode(onB.client.query({ query: MeDocument }), 'UNAUTHENTICATED');
    await expectCode(onA.client.query({ query: MeDocument }), 'UNAUTHENTICATED');
    // Only that session ended.
    assert.equal((await otherOnB.client.query({ query: MeDocument })).data?.me.username, patient.username);
  });

  it('a subscription on A receives a status change made on B', async () => {
    const token = await signIn(a);
    const onA = makeClient({ httpUrl: a.graphqlUrl, wsUrl: a.wsUrl, token: () => token });
    const onB = makeClient({ httpUrl: b.graphqlUrl, token: () => token });
    clients.push(onA, onB);

    const { data } = await onB.client.mutate({
      mutation: CreateAdverseEventDocument,
      variables: {
        input: {
          title: 'Infusion pump alarm',
          description: 'The pump alarmed without cause.',
          severity: 'MILD',
          deviceName: 'Infusion Pump',
          deviceCategory: 'Infusion',
          manufacturer: 'PumpCo',
          eventDate: new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10),
          eventLocation: 'Pune',
          symptoms: 'None',
        },
      },
    });
    const id = data!.createAdverseEvent.id;

    const statuses: EventStatus[] = [];
    const errors: unknown[] = [];
    let connected = false;
    onA.ws!.on('connected', () => {
      connected = true;
    });
    const subscription = onA.client.subscribe({ query: AdverseEventStatusChangedDocument, variables: { eventId: id } }).subscribe({
      next: (result) => {
        if (result.error) errors.push(result.error);
        const status = result.data?.adverseEventStatusChanged.status;
        if (status) statuses.push(status);
      },
      error: (error) => errors.push(error),
    });
    const deadline = Date.now() + 10_000;
    while (!connected && Date.now() < deadline) await sleep(20);
    assert.ok(connected, 'subscribed on A');
    await sleep(500);

    const submitted = await onB.client.mutate({ mutation: SubmitAdverseEventDocument, variables: { id } });
    assert.equal(submitted.data?.submitAdverseEvent.status, 'SUBMITTED');
    const until = Date.now() + 10_000;
    while (statuses.length < 1 && Date.now() < until) await sleep(20);
    subscription.unsubscribe();
    assert.deepEqual(errors, []);
    assert.deepEqual(statuses, ['SUBMITTED']);
  });

  it('rate limits are shared: attempts on A and then B exhaust one budget', async () => {
    // A client address of its own (TRUST_PROXY), so earlier requests do not count.
    const ip = '198.51.100.23';
    const attempt = async (server: Server, n: number) => {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({
          query: 'mutation($input: LoginInput!) { login(input: $input) { accessToken } }',
          // A different unknown account each time: only the per-IP budget applies.
          variables: { input: { login: `nobody.${prefix}.${n}`, password: 'Wr0ng!Passphrase' } },
        }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string; retryAfterSeconds?: number } }[] };
      return body.errors?.[0]?.extensions ?? {};
    };
    const codes: string[] = [];
    for (let n = 0; n < IP_BUDGET - 2; n++) codes.push(String((await attempt(a, n)).code));
    for (let n = IP_BUDGET - 2; n < IP_BUDGET; n++) codes.push(String((await attempt(b, n)).code));
    assert.deepEqual(codes, Array(IP_BUDGET).fill('UNAUTHENTICATED'), 'within the budget: plain failed logins');
    // B has seen only 2 attempts itself; the shared budget is spent.
    const overB = await attempt(b, IP_BUDGET);
    assert.equal(overB.code, 'RATE_LIMITED');
    assert.ok((overB.retryAfterSeconds ?? 0) > 0);
    const overA = await attempt(a, IP_BUDGET + 1);
    assert.equal(overA.code, 'RATE_LIMITED');
    // Another address is unaffected.
    const other = await fetch(a.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.24' },
      body: JSON.stringify({ query: 'mutation { login(input: { login: "nobody.else", password: "Wr0ng!Passphrase" }) { accessToken } }' }),
    });
    assert.equal(((await other.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'UNAUTHENTICATED');
  });
});

// The playground (GET /graphql) in headless Chromium (Debian's package, driven by
// playwright-core): every request to another host is blocked, a query is typed into
// the editor, run with the button, and its result read from the result pane.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { artefactDir, jwtSecret, removeDir, startServer, tempDir, type Server } from './support/server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(artefactDir, 'playground.png');
const QUERY = '{ helpTopics { question } }';

describe('GraphQL playground in headless Chromium', () => {
  let dir: string;
  let server: Server;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    dir = tempDir('rk-playground');
    server = await startServer({
      name: 'playground',
      cwd: dir,
      env: {
        DATABASE_URL: `sqlite://${path.join(dir, 'rakshaayan.db')}?mode=rwc`,
        JWT_SECRET: jwtSecret(),
        OTP_SMS_DELIVERY: 'outbox',
        OTP_EMAIL_DELIVERY: 'outbox',
        OTP_OUTBOX_PATH: path.join(dir, 'otp-outbox.jsonl'),
        STORAGE_DIR: path.join(dir, 'storage'),
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) removeDir(dir);
  });

  it('runs a query typed into the editor and shows the result, loading nothing from elsewhere', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const serverHost = new URL(server.url).host;

    const blocked: string[] = [];
    const served: string[] = [];
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.host === serverHost) {
        served.push(`${route.request().method()} ${url.pathname}`);
        await route.continue();
      } else {
        blocked.push(url.href);
        await route.abort('blockedbyclient');
      }
    });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));

    const response = await page.goto(`${server.url}/graphql`, { waitUntil: 'load' });
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);

    // GraphiQL 4: CodeMirror editors; the query editor is ready once mounted.
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.waitFor({ state: 'visible', timeout: 30_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // insertText types the characters as input, without the editor's auto-closing brackets.
    await page.keyboard.insertText(QUERY);
    const typed = await page.evaluate(() => {
      const el = document.querySelector('.graphiql-query-editor .CodeMirror') as (Element & { CodeMirror?: { getValue(): string } }) | null;
      return el?.CodeMirror?.getValue() ?? el?.textContent ?? '';
    });
    assert.equal(typed.trim(), QUERY);

    const graphqlResponse = page.waitForResponse(
      (r) => r.url() === `${server.url}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('helpTopics'),
    );
    await page.locator('button.graphiql-execute-button').click();
    const answered = await graphqlResponse;
    assert.equal(answered.status(), 200);

    // Read the result pane (a read-only CodeMirror) once it shows the answer.
    await page.waitForFunction(
      () => {
        const el = document.querySelector('.graphiql-response .CodeMirror') as (Element & { CodeMirror?: { getValue(): string } }) | null;
        return (el?.CodeMirror?.getValue() ?? '').includes('helpTopics');
      },
      undefined,
      { timeout: 15_000 },
    );
    const shown = await page.evaluate(() => {
      const el = document.querySelector('.graphiql-response .CodeMirror') as (Element & { CodeMirror?: { getValue(): string } }) | null;
      return el?.CodeMirror?.getValue() ?? '';
    });
    const result = JSON.parse(shown) as { data?: { helpTopics: { question: string }[] }; errors?: unknown };
    assert.equal(result.errors, undefined, shown);
    assert.ok((result.data?.helpTopics.length ?? 0) > 0, shown);

    // The same answer as a plain request gets.
    const direct = (await (
      await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) })
    ).json()) as { data: unknown };
    assert.deepEqual(result.data, direct.data);
    // And the question text is on screen.
    const firstQuestion = result.data!.helpTopics[0]!.question;
    assert.ok((await page.locator('.graphiql-response').innerText()).includes(firstQuestion));

    mkdirSync(artefactDir, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));

    assert.ok(served.some((s) => s.startsWith('GET /graphql/assets/graphiql.min.js')), `assets came from the server: ${served.join(', ')}`);
    assert.deepEqual(blocked, [], 'the page needed nothing from another host');
    assert.deepEqual(failed, [], 'no request failed');
    assert.deepEqual(consoleErrors, [], 'no console errors');
    await context.close();
  });
});

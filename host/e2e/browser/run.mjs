// Drives Debian's chromium through the popup flow against the app page at
// process.argv[2] and prints the page's results as one JSON line:
// {"first": <after signing in>, "reload": <after a reload, restored silently>}.
import { chromium } from 'playwright-core';

const appURL = process.argv[2];
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  page.on('console', m => process.stderr.write(`page: ${m.text()}\n`));
  await page.goto(appURL);
  await page.waitForSelector('#login:not([disabled])');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#login')]);
  // Coder asks the browser to sign in, then for consent.
  await popup.waitForURL(/\/login\?/);
  await popup.click('button[value="demo"]');
  await popup.waitForURL(/\/oauth2\/authorize\?/);
  await popup.click('text=Allow');
  await popup.waitForEvent('close', { timeout: 30000 });
  const first = await (await page.waitForFunction(() => window.result, null, { timeout: 30000 })).jsonValue();

  // A reload restores the session from the refresh cookie, without a popup.
  await page.goto(appURL + '&optional=1');
  const reload = await (await page.waitForFunction(() => window.result, null, { timeout: 30000 })).jsonValue();
  process.stdout.write(JSON.stringify({ first, reload }) + '\n');
} finally {
  await browser.close();
}

// End-to-end tests of the console in Debian's Chromium, driven by playwright-core.
// Run by tests/tests/browser.rs against a real server: EOEX_URL (the server),
// CHROMIUM (the browser), SCREENSHOTS (a directory for the pages' screenshots).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.env.EOEX_URL ?? "http://127.0.0.1:8080";
const shots = process.env.SCREENSHOTS ?? "target/browser-screenshots";
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
});
const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 860 }, colorScheme: "light" });
const page = await context.newPage();
page.setDefaultTimeout(15_000);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => m.type() === "error" && !/status of 4\d\d/.test(m.text()) && problems.push(`console error: ${m.text()}`));

let passed = 0;
let failed = 0;
async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split("\n").slice(0, 6).join("\n     ")}`);
    await page.screenshot({ path: join(shots, `failed-${name.replace(/\W+/g, "-")}.png`), fullPage: true }).catch(() => {});
    throw e;
  }
}
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const expectVisible = (locator) => locator.first().waitFor({ state: "visible" });
const nav = (name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

const email = `owner-${Date.now()}@browser.example`;
const password = "correct horse battery";

async function enable(module) {
  await page.goto("/modules");
  const button = page.getByRole("button", { name: `Enable ${module}`, exact: true });
  await button.click();
  await expectVisible(page.getByRole("button", { name: `Disable ${module}`, exact: true }));
}

try {
  await step("sign up", async () => {
    await page.goto("/");
    await page.waitForURL(/\/login$/);
    await page.getByRole("link", { name: "Create an organisation" }).click();
    await page.getByLabel("Organisation name").fill("Browser Test Inc");
    await page.getByLabel(/Organisation domain/).fill(`b${Date.now()}.example`);
    await page.getByLabel("First name").fill("Grace");
    await page.getByLabel("Last name").fill("Hopper");
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole("button", { name: "Sign up" }).click();
    await expectVisible(page.getByRole("heading", { name: "Dashboard" }));
    await expectVisible(page.getByText("Welcome, Grace Hopper"));
    await shot("dashboard");
  });

  await step("a disabled module has no page", async () => {
    await expectVisible(nav("Modules"));
    if ((await nav("Contacts").count()) !== 0) throw new Error("CRM is in the menu before it is enabled");
    await page.goto("/crm/contacts");
    await expectVisible(page.getByRole("heading", { name: "Not available" }));
    await expectVisible(page.getByText(/is not enabled for your organisation/));
  });

  await step("enable CRM", async () => {
    await enable("crm");
    await shot("modules");
    await expectVisible(nav("Contacts"));
  });

  await step("create a contact, with field errors next to the field", async () => {
    await nav("Contacts").click();
    await expectVisible(page.getByText("No contacts yet."));
    await page.getByRole("link", { name: "New contact" }).click();
    await page.getByLabel(/^First name/).fill("Ada");
    await page.getByLabel(/^Last name/).fill("Lovelace");
    await page.getByLabel(/^E-mail/).fill("not-an-email");
    await page.getByRole("button", { name: "Create contact" }).click();
    const error = page.locator(".field", { has: page.getByLabel(/^E-mail/) }).locator(".field-error");
    await expectVisible(error);
    await shot("contact-field-error");
    await page.getByLabel(/^E-mail/).fill("ada@engines.example");
    await page.getByLabel(/^Company/).fill("Analytical Engines");
    await page.getByRole("button", { name: "Create contact" }).click();
    await expectVisible(page.getByRole("heading", { name: "Ada Lovelace" }));
  });

  await step("find the contact by search", async () => {
    await page.goto("/crm/contacts");
    await page.getByRole("link", { name: "New contact" }).waitFor();
    await page.getByLabel("Search").fill("lovelace");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/search=lovelace/);
    await expectVisible(page.getByRole("cell", { name: "ada@engines.example" }));
    await page.getByLabel("Search").fill("nobody-matches-this");
    await page.getByRole("button", { name: "Search" }).click();
    await expectVisible(page.getByText("Nothing matches."));
    await page.getByLabel("Search").fill("ada");
    await page.getByRole("button", { name: "Search" }).click();
    await expectVisible(page.getByRole("cell", { name: "ada@engines.example" }));
    await shot("contacts");
  });

  await step("the contact's 360 view", async () => {
    await page.getByRole("link", { name: "Ada Lovelace" }).click();
    await expectVisible(page.getByRole("heading", { name: "360° view" }));
    await page.locator("#c360 ~ dl, #c360 + *").first().waitFor();
    await shot("contact-360");
  });

  await step("convert the contact, and see it on the kanban", async () => {
    await page.getByRole("button", { name: "Convert to opportunity" }).click();
    await page.getByLabel(/^Opportunity name/).fill("Difference engine");
    await page.getByLabel("Amount").fill("25000");
    await page.getByRole("button", { name: "Convert", exact: true }).click();
    await page.waitForURL(/\/crm\/opportunities$/);
    const card = page.getByRole("article", { name: "Difference engine" });
    await expectVisible(card);
    const column = page.locator("section.column", { has: card });
    if ((await column.getAttribute("data-stage")) !== "prospecting") throw new Error("new opportunity not in prospecting");
    await shot("kanban");
  });

  await step("moving a card changes the stage", async () => {
    const patched = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/api/v1/crm/opportunities/"));
    await page.getByLabel("Stage of Difference engine").selectOption("qualification");
    const response = await patched;
    if (!response.ok()) throw new Error(`PATCH answered ${response.status()}`);
    await page.reload();
    const card = page.getByRole("article", { name: "Difference engine" });
    await expectVisible(card);
    const stage = await page.locator("section.column", { has: card }).getAttribute("data-stage");
    if (stage !== "qualification") throw new Error(`card is in ${stage} after reload`);
    await page.goto("/crm/contacts?search=ada");
    await expectVisible(page.getByRole("cell", { name: "Converted" }));
  });

  await step("create a product", async () => {
    await enable("erp");
    await nav("Products").click();
    await page.getByRole("link", { name: "New", exact: true }).click();
    await page.getByLabel(/^Sku/i).fill("ENG-1");
    await page.getByLabel(/^Name/).fill("Brass gear");
    await page.getByLabel(/^Unit price/).fill("12.5");
    await page.getByLabel(/^Stock/).fill("40");
    await page.getByLabel(/^Reorder level/i).fill("5");
    await page.getByRole("button", { name: "Create" }).click();
    await expectVisible(page.getByRole("heading", { name: "Brass gear" }));
    await shot("product");
  });

  await step("create an order and move its status", async () => {
    await nav("Orders").click();
    await page.getByRole("link", { name: "New", exact: true }).click();
    await page.getByLabel("Customer").selectOption({ label: "Ada Lovelace (ada@engines.example)" });
    await page.getByLabel("Product, line 1").selectOption({ index: 1 });
    await page.getByLabel("Quantity, line 1").fill("3");
    await expectVisible(page.getByText("37.50"));
    await page.getByRole("button", { name: "Place order" }).click();
    await expectVisible(page.getByRole("heading", { name: /^ORD-\d{4}-\d{6}$/ }));
    await expectVisible(page.getByRole("cell", { name: "Brass gear" }).or(page.getByRole("cell", { name: "ENG-1" })));
    await page.getByRole("button", { name: "Mark confirmed" }).click();
    await expectVisible(page.getByRole("button", { name: "Mark shipped" }));
    await shot("order");
    await nav("Products").click();
    await expectVisible(page.getByRole("cell", { name: "37" }));
  });

  await step("open a ticket and add an internal note", async () => {
    await enable("support");
    await nav("Tickets").click();
    await page.getByRole("link", { name: "New", exact: true }).click();
    await page.getByLabel(/^Subject/).fill("Gear slips under load");
    await page.getByLabel(/^Description/).fill("The brass gear slips at high speed.");
    await page.getByLabel(/^Priority/).selectOption("high");
    await page.getByRole("button", { name: "Create" }).click();
    await expectVisible(page.getByRole("heading", { name: "Conversation" }));
    await page.getByLabel("Message").fill("Checked the tolerances: a supplier issue.");
    await page.getByLabel(/^Internal note/).check();
    await page.getByRole("button", { name: "Add internal note" }).click();
    const note = page.locator(".thread li.internal");
    await expectVisible(note.getByText("Checked the tolerances"));
    await expectVisible(note.getByText("Internal note"));
    await page.getByLabel("Message").fill("We are on it.");
    await page.getByLabel(/^Internal note/).uncheck();
    await page.getByRole("button", { name: "Send reply" }).click();
    await expectVisible(page.locator(".thread li:not(.internal)").getByText("We are on it."));
    await shot("ticket");
    await nav("Tickets").click();
    await expectVisible(page.getByRole("cell", { name: /TKT-\d{4}-\d{6}/ }));
    await shot("tickets");
  });

  await step("switch to the dark skin, and it persists after reload", async () => {
    await page.goto("/");
    await expectVisible(page.getByRole("heading", { name: "Dashboard" }));
    const light = await page.evaluate(() => document.documentElement.dataset.skin);
    if (light !== "light") throw new Error(`follows the system (light) at first, got ${light}`);
    const saved = page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith("/api/v1/me/preferences"));
    await page.getByLabel("Skin").selectOption({ label: "Dark" });
    // Instantly, before the server answers.
    await page.waitForFunction(() => document.documentElement.dataset.skin === "dark");
    if (!(await saved).ok()) throw new Error("preferences not saved");
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.skin === "dark");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (bg !== "rgb(20, 23, 26)") throw new Error(`dark background expected, got ${bg}`);
    await expectVisible(page.getByRole("heading", { name: "Dashboard" }));
    await page.waitForTimeout(400);
    await shot("dashboard-dark");
    await page.goto("/crm/opportunities");
    await expectVisible(page.getByRole("article", { name: "Difference engine" }));
    await shot("kanban-dark");
  });

  await step("the choice follows the user to a new browser", async () => {
    const other = await browser.newContext({ baseURL: base, colorScheme: "light" });
    const p = await other.newPage();
    await p.goto("/login");
    await p.getByLabel("E-mail").fill(email);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Log in" }).click();
    await p.getByRole("heading", { name: "Dashboard" }).waitFor();
    await p.waitForFunction(() => document.documentElement.dataset.skin === "dark");
    await other.close();
  });

  await step("phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/crm/contacts");
    await expectVisible(page.getByRole("cell", { name: "ada@engines.example" }));
    const menu = page.getByRole("button", { name: "Menu" });
    await menu.click();
    await expectVisible(nav("Tickets"));
    await shot("phone-menu");
    await nav("Tickets").click();
    await expectVisible(page.getByRole("heading", { name: "Tickets" }));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`page is ${overflow}px wider than the phone`);
    await shot("phone-tickets");
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step("log out", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login$/);
    await page.goto("/crm/contacts");
    await page.waitForURL(/\/login$/);
  });

  if (problems.length) throw new Error(`the browser reported:\n${problems.join("\n")}`);
} catch (e) {
  if (failed === 0) console.log(`FAIL ${e.message}`);
  failed = failed || 1;
} finally {
  await browser.close();
  console.log(`\nbrowser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// End-to-end tests of the console in Debian's Chromium, driven by playwright-core.
// Run by tests/tests/browser.rs against a real server that has every bundled module and
// the third-party example module `notes` in its plugins directory: EOEX_URL (the
// server), CHROMIUM (the browser), SCREENSHOTS (a directory for the pages' screenshots).
// Ends with axe-core on the main pages in the light and dark skins.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

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
    await shot("dashboard-new-organisation");
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
    const column = page.locator(".column", { has: card });
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
    const stage = await page.locator(".column", { has: card }).getAttribute("data-stage");
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

  await step("the dashboard counts the day's contact, order and ticket", async () => {
    await nav("Dashboard").click();
    await expectVisible(page.getByRole("heading", { name: "Daily activity" }));
    for (const [figure, count] of [["new_leads", "1"], ["orders", "1"], ["tickets", "1"]]) {
      const today = page.locator(`[data-figure="${figure}"] .stat`);
      await expectVisible(today);
      const shown = (await today.textContent())?.trim();
      if (shown !== count) throw new Error(`${figure} today: ${shown}, expected ${count}`);
    }
    // One line per series, drawn (recharts renders paths once it has measured the box).
    await page.locator(".chart .recharts-line path.recharts-curve").nth(2).waitFor({ state: "attached" });
    const lastRow = page.locator(".sr-only table tbody tr").last();
    const cells = await lastRow.locator("td").allTextContents();
    if (cells.slice(1).join(",") !== "1,1,1") throw new Error(`today's row in the chart's table: ${cells.join(",")}`);
    await page.waitForTimeout(300);
    await shot("dashboard");
  });

  await step("export contacts as CSV", async () => {
    await nav("Contacts").click();
    await page.getByText("Import and export (CSV)").click();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export the list" }).click();
    const file = await (await download).path();
    const [header, ...rows] = readFileSync(file, "utf8").trim().split(/\r?\n/);
    const columns = "contact_id,first_name,last_name,company,email,phone,mobile,title,department,lead_source,status,assigned_to,metadata,lifetime_value,last_order_date,created_at,updated_at";
    if (header !== columns) throw new Error(`export header: ${header}`);
    if (rows.length !== 1 || !rows[0].includes("ada@engines.example")) throw new Error(`export rows: ${rows.join(" | ")}`);
    await expectVisible(page.getByText("Exported the listed contacts"));
  });

  await step("import contacts from CSV: a bad row refuses the file, unless partial", async () => {
    const csv = "first_name,last_name,email,status\nCharles,Babbage,charles@engines.example,new\nNo,Mail,not-an-email,new\n";
    const input = page.getByLabel(/^CSV file/);
    await input.setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    const report = page.locator(".notice", { hasText: /imported/i });
    await expectVisible(report.getByText("Nothing was imported: 1 row(s) are invalid."));
    await expectVisible(report.getByText(/^Row 3, email: /));
    await shot("contacts-import-refused");
    await page.getByLabel(/^Import the valid rows/).check();
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expectVisible(report.getByText("Imported 1 contact(s); 1 row(s) refused."));
    await expectVisible(report.getByText(/^Row 3, email: /));
    await expectVisible(page.getByRole("cell", { name: "charles@engines.example" }));
  });

  await step("Studio: create a campaign, move its status, record metrics and see the chart", async () => {
    await enable("studio");
    await nav("Campaigns").click();
    await expectVisible(page.getByText("No campaigns yet."));
    await page.getByRole("link", { name: "New", exact: true }).click();
    await page.getByLabel(/^Name/).fill("Spring launch");
    await page.getByLabel(/^Type/).selectOption("email");
    await page.getByLabel(/^Budget/).fill("5000");
    await page.getByRole("button", { name: "Create" }).click();
    await expectVisible(page.getByRole("heading", { name: "Spring launch" }));
    const status = page.locator("dl.record dt", { hasText: /^Status$/ }).locator("xpath=following-sibling::dd[1]");
    await expectVisible(status.getByText("Draft"));
    await page.getByRole("button", { name: "Move to scheduled" }).click();
    await expectVisible(status.getByText("Scheduled"));
    await page.getByRole("button", { name: "Move to active" }).click();
    await expectVisible(status.getByText("Active"));
    await expectVisible(page.getByRole("button", { name: "Move to paused" }));

    const metrics = page.locator("section", { has: page.getByRole("heading", { name: "Metrics" }) });
    await expectVisible(metrics.getByText("No figures for this period yet."));
    await metrics.getByRole("button", { name: "Record" }).click();
    await expectVisible(metrics.locator(".field", { has: page.getByLabel("Value") }).locator(".field-error"));
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const values = [["impressions", "900", yesterday], ["impressions", "1200", today], ["clicks", "30", today], ["spend", "150", today], ["conversions", "3", today]];
    for (const [metric, value, day] of values) {
      await metrics.getByLabel("Metric").selectOption(metric);
      await metrics.getByLabel("Value").fill(value);
      await metrics.getByLabel("Day").fill(day);
      const saved = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/metrics"));
      await metrics.getByRole("button", { name: "Record" }).click();
      if ((await saved).status() !== 201) throw new Error(`recording ${metric} answered ${(await saved).status()}`);
    }
    // A line per metric; impressions, recorded on two days, is drawn as a curve.
    await metrics.locator(".recharts-legend-item").nth(3).waitFor();
    await metrics.locator(".chart .recharts-line path.recharts-curve").first().waitFor({ state: "attached" });
    const table = await metrics.locator(".sr-only table tbody tr").allTextContents();
    if (table.length !== 2) throw new Error(`the chart's table has ${table.length} days: ${table.join(" | ")}`);
    await expectVisible(metrics.locator("dd", { hasText: /^2100 \(2 recorded\)$/ }));
    await expectVisible(metrics.locator("dd", { hasText: /^50\.00$/ })); // 150 spend / 3 conversions
    await page.waitForTimeout(300);
    await shot("campaign");
  });

  await step("Support knowledge base: write an article and find it", async () => {
    await nav("Knowledge base").click();
    await expectVisible(page.getByText("No knowledge base yet."));
    await page.getByRole("link", { name: "New", exact: true }).click();
    await page.getByLabel(/^Title/).fill("Checking gear tolerances");
    await page.getByLabel(/^Content/).fill("Measure the backlash with a dial gauge before replacing a gear.");
    await page.getByLabel(/^Category/).fill("maintenance");
    await page.getByRole("button", { name: "Create" }).click();
    await expectVisible(page.getByRole("heading", { name: "Checking gear tolerances" }));
    await nav("Knowledge base").click();
    await page.getByLabel("Search").fill("backlash");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=backlash/);
    await expectVisible(page.getByRole("link", { name: "Checking gear tolerances" }));
    await page.getByLabel("Search").fill("no-such-article");
    await page.getByRole("button", { name: "Search" }).click();
    await expectVisible(page.getByText("Nothing matches."));
    await page.getByLabel("Search").fill("tolerances");
    await page.getByRole("button", { name: "Search" }).click();
    await expectVisible(page.getByRole("link", { name: "Checking gear tolerances" }));
    await shot("knowledge-base");
  });

  await step("a third-party module gets list, record and form pages from its manifest", async () => {
    if ((await nav("Notes").count()) !== 0) throw new Error("notes is in the menu before it is enabled");
    await enable("notes");
    await nav("Notes").click();
    await page.waitForURL(/\/m\/notes\/notes$/);
    await expectVisible(page.getByRole("heading", { name: "Notes" }));
    await expectVisible(page.getByText("No notes yet."));
    await page.getByRole("link", { name: "New", exact: true }).click();
    // Title is required: the module refuses the note and names the field.
    await page.getByRole("button", { name: "Create" }).click();
    const titleError = page.locator(".field", { has: page.getByLabel(/^Title/) }).locator(".field-error");
    await expectVisible(titleError);
    if (!/title/i.test((await titleError.textContent()) ?? "")) throw new Error("the title's error does not name it");
    await shot("note-field-error");
    await page.getByLabel(/^Title/).fill("Buy brass");
    await page.getByLabel(/^Body/).fill("Forty sheets, 2 mm.");
    await page.getByLabel("Pinned").check();
    await page.getByRole("button", { name: "Create" }).click();
    await expectVisible(page.getByRole("heading", { name: "Buy brass" }));
    await expectVisible(page.locator("dl.record dd", { hasText: "Forty sheets, 2 mm." }));
    await page.getByRole("link", { name: "← All notes" }).click();
    await expectVisible(page.getByRole("cell", { name: "Forty sheets, 2 mm." }));
    await shot("notes");
    await page.getByRole("link", { name: "Buy brass" }).click();
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await expectVisible(page.getByRole("heading", { name: "Edit — Notes" }));
    await page.getByLabel(/^Title/).fill("Buy brass and tin");
    await page.getByLabel("Pinned").uncheck();
    await page.getByRole("button", { name: "Save" }).click();
    await expectVisible(page.getByRole("heading", { name: "Buy brass and tin" }));
    await expectVisible(page.locator("dl.record dd", { hasText: /^No$/ }));
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await page.waitForURL(/\/m\/notes\/notes$/);
    await expectVisible(page.getByText("No notes yet."));
  });

  await step("add a user", async () => {
    await nav("Users").click();
    await expectVisible(page.getByRole("cell", { name: email }));
    const form = page.locator("form", { has: page.getByRole("button", { name: "Add user" }) });
    await form.getByLabel("Email").fill("babbage@browser.example");
    await form.getByLabel("Password").fill("short");
    await form.getByLabel("First name").fill("Charles");
    await form.getByLabel("Last name").fill("Babbage");
    await form.getByRole("button", { name: "Add user" }).click();
    await expectVisible(form.locator(".field", { has: page.getByLabel("Password") }).locator(".field-error"));
    await form.getByLabel("Password").fill("analytical engine 1837");
    await form.getByLabel("Role").selectOption("admin");
    await form.getByRole("button", { name: "Add user" }).click();
    await expectVisible(form.getByText("babbage@browser.example can now log in."));
    const row = page.getByRole("row", { name: /babbage@browser\.example/ });
    await expectVisible(row.getByText("Admin"));
    await shot("users");
  });

  await step("a module's version requirement", async () => {
    await nav("Modules").click();
    const crm = page.locator("section", { has: page.getByRole("heading", { name: /^CRM/ }) });
    const requirement = crm.getByLabel("Version requirement");
    await requirement.fill("^9");
    await crm.getByRole("button", { name: "Save version" }).click();
    await expectVisible(crm.locator(".field", { has: page.getByLabel("Version requirement") }).locator(".field-error"));
    await requirement.fill("^1.0");
    const saved = page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith("/tenant/modules/crm"));
    await crm.getByRole("button", { name: "Save version" }).click();
    if (!(await saved).ok()) throw new Error(`saving ^1.0 answered ${(await saved).status()}`);
    await expectVisible(crm.getByText("running 1.0.0"));
    if ((await crm.locator(".field-error").count()) !== 0) throw new Error("the field error stayed");
    await page.reload();
    if ((await crm.getByLabel("Version requirement").inputValue()) !== "^1.0") throw new Error("requirement not kept");
    // No bundled module declares features: nothing to toggle.
    await shot("modules");
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
    // Once the background's transition (300 ms) has run.
    const dark = await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(20, 23, 26)", null, { timeout: 2_000 }).catch(() => null);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (!dark) throw new Error(`dark background expected, got ${bg}`);
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

  await step("choose a theme and a skin in Appearance, then follow the system again", async () => {
    await nav("Appearance").click();
    const primary = () => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--primary-color").trim());
    const saved = () => page.waitForResponse((r) => r.request().method() === "PUT" && r.url().endsWith("/api/v1/me/preferences"));
    let put = saved();
    // Clicked, not check()ed: the radios follow the saved preferences, which update
    // after the PUT, so the state does not change within the click itself.
    await page.getByLabel(/^Modern on Modern/).click();
    await page.waitForFunction(() => document.documentElement.dataset.skin === "modern");
    if (!(await put).ok()) throw new Error("theme not saved");
    if ((await primary()) !== "#7a3d99") throw new Error(`modern theme's primary colour expected, got ${await primary()}`);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.skin === "modern");
    // Checked once the preferences have loaded.
    await page.getByLabel(/^Modern on Modern/).and(page.locator(":checked")).waitFor();
    await page.waitForTimeout(300);
    await shot("appearance-modern");
    put = saved();
    await page.getByLabel(/^Follow the system/).click();
    await page.waitForFunction(() => document.documentElement.dataset.skin === "light");
    if (!(await put).ok()) throw new Error("preferences not saved");
    await page.getByLabel(/^Follow the system/).and(page.locator(":checked")).waitFor();
    if ((await primary()) !== "#1a64a8") throw new Error(`light primary colour expected, got ${await primary()}`);
  });

  await step("accessibility (axe-core): no serious or critical violation on the main pages, light and dark", async () => {
    // bypassCSP: the server's Content-Security-Policy (script-src 'self') would refuse the
    // injected axe-core.
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 860 }, colorScheme: "light", reducedMotion: "reduce", bypassCSP: true });
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    const found = [];
    // Pages are opened inside the app (history.pushState), as a click would: axe-core is
    // injected once, and the app does not boot again for every page.
    const settled = async () => {
      await p.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      await p.locator("h1").first().waitFor();
      await p.waitForFunction(() => !document.querySelector(".spinner"));
    };
    const go = async (path) => {
      await p.evaluate((to) => {
        history.pushState(null, "", to);
        window.dispatchEvent(new PopStateEvent("popstate"));
      }, path);
      await settled();
    };
    const open = async (path, link) => {
      await go(path);
      if (link) {
        await p.getByRole("link", { name: link, exact: true }).first().click();
        await settled();
      }
    };
    const check = async (name, skin) => {
      if (!(await p.evaluate(() => "axe" in window))) await p.addScriptTag({ content: axeSource });
      const result = await p.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
      for (const v of result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
        const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
        found.push(`${skin} ${name}: ${v.id} (${v.impact}) ${v.help} — ${where}`);
      }
      const minor = result.violations.filter((v) => v.impact !== "serious" && v.impact !== "critical");
      if (minor.length) console.log(`     (axe, ${skin} ${name}: ${minor.map((v) => `${v.id} ${v.impact}`).join(", ")})`);
      await p.screenshot({ path: join(shots, `${name}${skin === "dark" ? "-dark" : ""}.png`), fullPage: true });
    };
    await p.goto("/login");
    await settled();
    await check("login", "light");
    await p.getByLabel("E-mail").fill(email);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Log in" }).click();
    await p.getByRole("heading", { name: "Dashboard" }).waitFor();
    const year = new Date().getUTCFullYear();
    const pages = [
      ["dashboard", "/"],
      ["modules", "/modules"],
      ["contacts", "/crm/contacts"],
      ["contact-360", "/crm/contacts?search=ada", "Ada Lovelace"],
      ["contact-form", "/crm/contacts/new"],
      ["kanban", "/crm/opportunities"],
      ["products", "/erp/products"],
      ["reorder", "/erp/reorder"],
      ["orders", "/erp/orders"],
      ["order", "/erp/orders", `ORD-${year}-000001`],
      ["order-form", "/erp/orders/new"],
      ["campaigns", "/studio/campaigns"],
      ["campaign", "/studio/campaigns", "Spring launch"],
      ["tickets", "/support/tickets"],
      ["ticket", "/support/tickets", `TKT-${year}-000001`],
      ["knowledge-base", "/support/kb"],
      ["notes", "/m/notes/notes"],
      ["note-form", "/m/notes/notes/new"],
      ["users", "/users"],
      ["appearance", "/settings"],
    ];
    for (const skin of ["light", "dark"]) {
      await go("/");
      await p.getByLabel("Skin", { exact: true }).selectOption({ label: skin === "light" ? "Light" : "Dark" });
      await p.waitForFunction((s) => document.documentElement.dataset.skin === s, skin);
      for (const [name, path, link] of pages) {
        await open(path, link);
        await check(name, skin);
      }
    }
    await context.close();
    if (found.length) throw new Error(`${found.length} serious or critical violation(s):\n${found.join("\n")}`);
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

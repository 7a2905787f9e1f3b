"use strict";
// Drives one notebook in the classic Notebook front end through puppeteer: open it, wait for its
// kernel, run cells, wait for idle, read back what each cell shows. Used by test/browser.test.js.
const { sleep } = require("./server");

/** Opens a notebook and resolves once its kernel has answered kernel_info. */
async function openNotebook(browser, server, name, { timeoutMs = 45_000 } = {}) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 900 });
  // "Leave this page?" must never block a close.
  page.on("dialog", (dialog) => dialog.accept().catch(() => {}));
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error?.message ?? error)));
  await page.goto(`${server.url}/notebooks/${encodeURIComponent(name)}?token=${server.token}`, { waitUntil: "domcontentloaded", timeout: timeoutMs });
  try {
    await page.waitForFunction(
      () => {
        const nb = window.Jupyter?.notebook;
        return Boolean(nb?._fully_loaded && nb.kernel?.is_connected() && Object.keys(nb.kernel.info_reply ?? {}).length > 0);
      },
      { timeout: timeoutMs, polling: 200 },
    );
  } catch (error) {
    const status = await page.evaluate(() => document.querySelector("#kernel_indicator_icon")?.title ?? "?").catch(() => "?");
    throw new Error(`${name}: the pipelab kernel was not ready within ${timeoutMs / 1000} s (kernel indicator: ${status}):\n${server.log()}`, { cause: error });
  }
  // Nothing is saved back, not even into the temporary copy.
  await page.evaluate(() => window.Jupyter.notebook.set_autosave_interval(0));
  return { page, pageErrors, name };
}

/** True when no code cell is queued or running and the kernel says idle. */
const idleState = () => {
  const nb = window.Jupyter.notebook;
  const running = nb
    .get_cells()
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === "code" && cell.input_prompt_number === "*");
  return { idle: running.length === 0 && !nb.kernel_busy, running: running.map(({ index }) => index) };
};

/** Waits until the notebook is idle; on timeout says which cells still run. */
async function waitIdle({ page, name }, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let state;
  for (;;) {
    state = await page.evaluate(idleState);
    if (state.idle) return;
    if (Date.now() > deadline) {
      const sources = await page.evaluate((indices) => indices.map((i) => window.Jupyter.notebook.get_cell(i).get_text().split("\n")[0]), state.running);
      throw new Error(
        `${name}: ${what} did not finish within ${timeoutMs / 1000} s; still running or queued: ${state.running.map((i, k) => `cell ${i} (${JSON.stringify(sources[k])})`).join(", ") || "none, but the kernel stays busy"}`,
      );
    }
    await sleep(150);
  }
}

/**
 * What the page shows, cell by cell: the prompt, and for each output area its kind (the classes of
 * its subarea), its visible text, the statistics tables in it and the size of every image and SVG.
 */
function readCells({ page }) {
  return page.evaluate(() =>
    window.Jupyter.notebook.get_cells().map((cell, index) => {
      const element = cell.element[0];
      const areas = cell.cell_type !== "code" ? [] : [...element.querySelectorAll(".output_area")];
      return {
        index,
        type: cell.cell_type,
        source: cell.get_text(),
        prompt: cell.input_prompt_number ?? null,
        outputs: areas.map((area) => {
          const sub = area.querySelector(".output_subarea");
          return {
            kind: sub?.className ?? "",
            text: sub?.innerText ?? "",
            // How far the output is wider than its area (it then scrolls sideways): 0 when it fits.
            overflow: sub ? Math.max(0, sub.scrollWidth - sub.clientWidth) : 0,
            tables: [...area.querySelectorAll(".pipelab-stats")].map((table) => table.innerText),
            images: [...area.querySelectorAll("img, svg")]
              .filter((el) => !el.parentElement.closest("svg"))
              .map((el) => {
                const box = el.getBoundingClientRect();
                return { tag: el.tagName.toLowerCase(), width: Math.round(box.width), height: Math.round(box.height) };
              }),
          };
        }),
      };
    }),
  );
}

/**
 * The whole notebook in one PNG. The notebook scrolls inside #site, which the page sizes to the
 * window: make the window as tall as the notebook, take it, and put the window back.
 */
async function screenshot({ page }, path) {
  const height = await page.evaluate(() => {
    const site = document.querySelector("#site");
    site.scrollTop = 0;
    return document.querySelector("#header").offsetHeight + site.scrollHeight;
  });
  const viewport = page.viewport();
  await page.setViewport({ ...viewport, height: Math.min(Math.ceil(height) + 20, 16_000) });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.screenshot({ path });
  await page.setViewport(viewport);
}

/** Ends the notebook's kernel and closes its tab. */
async function closeNotebook(opened) {
  await opened.page
    .evaluate(() => new Promise((done) => window.Jupyter.notebook.session.delete(done, done)))
    .catch(() => {})
    .finally(() => opened.page.close().catch(() => {}));
}

/** The text and statistics tables of one cell, read while it may still run. */
const cellNow = (page, index) =>
  page.evaluate((i) => {
    const cell = window.Jupyter.notebook.get_cell(i);
    const element = cell.element[0];
    return {
      running: cell.input_prompt_number === "*",
      areas: element.querySelectorAll(".output_area").length,
      tables: [...element.querySelectorAll(".pipelab-stats")].map((table) => table.innerText),
      text: [...element.querySelectorAll(".output_area")].map((area) => area.innerText).join("\n"),
    };
  }, index);

module.exports = { openNotebook, closeNotebook, waitIdle, readCells, cellNow, screenshot };

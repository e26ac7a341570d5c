// Live-preview figure of `cargo xtask bench`: the relay-served release build on its first
// capture step in headless Chromium, the fake camera playing a 1280x720 document video, the
// live analysis running as it does for a user (auto-capture off, so the preview stays). For
// SECONDS (10) it records the main thread's long tasks (PerformanceObserver "longtask": tasks
// over 50 ms), the interval between animation frames and the frames the analysis's worker
// answered.
//
//   RELAY_URL=http://127.0.0.1:8080 SECONDS=10 node tests/bench/live.mjs
//
// Prints `BENCH`/`BENCHFACT` lines for xtask to summarise.
import { launch, openPage, openWidget, writeDocumentY4m, artifact, PHONE } from '../e2e/browser.mjs';

const SECONDS = Number(process.env.SECONDS ?? 10);
const video = writeDocumentY4m(artifact('bench-live-document.y4m'), { frames: 10 });
const browser = await launch([
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  `--use-file-for-fake-video-capture=${video}`,
]);
try {
  const page = await openPage(browser, PHONE, { hasTouch: true, isMobile: true });
  // Counts the frames the widget's worker answers (the page side of its messages); nothing
  // else of the page changes.
  await page.addInitScript(() => {
    const answers = (window.__analysed = []);
    const workers = (window.__workers = []);
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(...args) {
        super(...args);
        workers.push(this);
        this.addEventListener('message', (event) => {
          if (event.data && event.data.examined !== undefined) answers.push(performance.now());
        });
      }
    };
  });
  await openWidget(page);
  await page.getByLabel('I agree to my identity document being checked').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: "Driver's license" }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  // The live analysis runs once its hint shows.
  await page.locator('.kyc-hint').filter({ hasText: /\S/ }).waitFor({ timeout: 15_000 })
    .catch((error) => { throw new Error(`${error.message}\n${page.problems.join('\n')}`); });
  const seen = await page.evaluate(async (seconds) => {
    const longTasks = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask' });
    const intervals = [];
    let start;
    let end;
    await new Promise((resolve) => {
      let last;
      const tick = (time) => {
        if (last === undefined) {
          start = time;
          end = time + seconds * 1000;
        }
        else intervals.push(time - last);
        last = time;
        if (time < end) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    observer.disconnect();
    const hint = document.querySelector('.kyc-hint')?.textContent ?? '';
    const analysed = window.__analysed.filter((at) => at >= start && at <= end).length;
    return { longTasks, intervals, hint, analysed, workers: window.__workers.length };
  }, SECONDS);
  if (page.problems.length > 0) throw new Error(page.problems.join('\n'));
  const list = (values) => values.map((v) => v.toFixed(3)).join(',');
  console.log(`BENCH live_preview.frame_interval ms ${list(seen.intervals)}`);
  if (seen.longTasks.length > 0) console.log(`BENCH live_preview.long_task ms ${list(seen.longTasks)}`);
  console.log(`BENCHFACT live_preview.seconds ${SECONDS}`);
  console.log(`BENCHFACT live_preview.long_tasks ${seen.longTasks.length}`);
  console.log(`BENCHFACT live_preview.longest_task_ms ${Math.max(0, ...seen.longTasks).toFixed(1)}`);
  console.log(`BENCHFACT live_preview.frames ${seen.intervals.length}`);
  console.log(`BENCHFACT live_preview.hint ${seen.hint}`);
  console.log(`BENCHFACT live_preview.workers ${seen.workers}`);
  console.log(`BENCHFACT live_preview.worker_frames_per_second ${(seen.analysed / SECONDS).toFixed(1)}`);
} finally {
  await browser.close();
}

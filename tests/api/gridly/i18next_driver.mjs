// Drives the npm package i18next-gridly-backend against our server: its base URL is hard-coded, so
// `fetch` is wrapped to send https://api.gridly.com/... to the server under test instead.
// Usage: node i18next_driver.mjs <package dir> <base url> <api key> <view id> <namespace column id>
// Prints one JSON line: what `create` and `read` did.
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [packageDir, baseUrl, apiKey, viewId, namespaceColumnId] = process.argv.slice(2);
const GRIDLY = "https://api.gridly.com";
const realFetch = globalThis.fetch;
const calls = [];
globalThis.fetch = (url, init) => {
  const target = String(url).startsWith(GRIDLY) ? baseUrl + String(url).slice(GRIDLY.length) : String(url);
  calls.push(`${init?.method ?? "GET"} ${target.slice(baseUrl.length)}`);
  return realFetch(target, init);
};

const { default: GridlyBackend } = await import(
  pathToFileURL(join(packageDir, "node_modules", "i18next-gridly-backend", "dist", "index.mjs")).href
);
const backend = new GridlyBackend();
let saved = null;
backend.init(null, { apiKey, viewId, namespaceColumnId, onSaveSuccess: (languages, ns) => (saved = { languages, ns }) }, {});
const result = { calls };
try {
  await backend.create(["enUS", "uk"], "common", "greeting", "Hello");
  result.saved = saved;
  result.enUS = await backend.read("enUS", "common");
  result.uk = await backend.read("uk", "common");
  result.other = await backend.read("enUS", "other");
} catch (error) {
  result.error = error instanceof Error ? String(error) : error;
}
console.log(JSON.stringify(result));

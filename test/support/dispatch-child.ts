/**
 * A dispatcher in a child process, for crash tests: it delivers the events in the JSON file
 * named by argv[3] into the data dir argv[2], prints `STARTED <json>` when its runner is called,
 * and then hangs until it is killed.
 */
import { readFileSync } from 'node:fs';
import type { ForgeEvent } from '../../src/core/events.js';
import { scriptedRunner, startHarness } from './dispatch-harness.js';

const [dataDir, eventsFile] = process.argv.slice(2);
if (!dataDir || !eventsFile) throw new Error('usage: dispatch-child <dataDir> <events.json>');
const events = JSON.parse(readFileSync(eventsFile, 'utf8')) as ForgeEvent[];
const { runner } = scriptedRunner((request) => {
  process.stdout.write(
    `STARTED ${JSON.stringify({ jobId: request.jobId, events: request.events.map((e) => e.event.fingerprint) })}\n`,
  );
  return new Promise(() => undefined);
});
const harness = await startHarness({ dataDir, runner });
for (const event of events) await harness.deliver(event);
setInterval(() => undefined, 1000);

import { afterAll, beforeAll } from 'vitest';

/** A loopback fake of an outside service: the NCP and status-URL fakes, the integration receivers. */
interface LoopbackFake {
  start(): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts the fakes before the suite's first test and closes them after its last. */
export function serveDuringSuite(...fakes: LoopbackFake[]): void {
  beforeAll(async () => {
    for (const fake of fakes) await fake.start();
  });
  afterAll(async () => {
    for (const fake of fakes) await fake.close();
  });
}

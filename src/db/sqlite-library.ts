import BetterSqlite3 from 'better-sqlite3';
import { EnvironmentError } from '../errors.js';

/** Where better-sqlite3's compiled addon sits in its installed package. */
const addonModule = 'better-sqlite3/build/Release/better_sqlite3.node';

let addonPath: string | undefined;

/**
 * A better-sqlite3 connection, as every SQLite file shiplog opens gets one. The package's JavaScript is bundled
 * into dist/ (its thirteen small files, loaded one by one, cost each SQLite command ~12 ms at start); its compiled
 * addon stays in the installed package. The package's own way of finding that addon (the `bindings` helper, which
 * searches from the calling file) would look beside the bundle, so the addon is named here.
 */
export function openSqliteDatabase(filename: string | Buffer, options: BetterSqlite3.Options = {}): BetterSqlite3.Database {
  return new BetterSqlite3(filename, { ...options, nativeBinding: findAddon() });
}

function findAddon(): string {
  try {
    addonPath ??= require.resolve(addonModule);
    return addonPath;
  } catch (error) {
    throw new EnvironmentError(`the SQLite driver is not installed (${addonModule} is missing); reinstall shiplog (npm ci)`, 'sqlite_driver_missing', { cause: error });
  }
}

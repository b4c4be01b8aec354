import { app } from '@azure/functions';
import { ConfigError, getConfig } from '../lib/config';
import { startTelemetry } from '../lib/telemetry/start';

// Only with APPLICATIONINSIGHTS_CONNECTION_STRING; before any invocation, so every one is traced.
// A telemetry problem (a malformed connection string) must not stop the sync: it runs untraced.
try {
  startTelemetry();
} catch (err) {
  console.error(`Telemetry is off: ${(err as Error).name}`);
}

// Settings are checked when the worker starts, so a bad deployment fails at once with every
// problem listed, not on the first notification with a stack trace.
app.hook.appStart(() => {
  try {
    getConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
});

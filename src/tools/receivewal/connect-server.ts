import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import type { ToolIO } from '../../core/cli/io.js';
import { promptPassword } from '../../core/cli/password-prompt.js';
import { resolveConnection } from '../../core/pg/conninfo/resolve.js';
import { connect } from '../../core/pg/connection/connect.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';

const RECEIVE_BUFFER_BYTES = 1024 * 1024;

/**
 * Opens physical replication connections the way pg_receivewal's GetConnection does:
 * replication=true, fallback_application_name = the tool's name, -h -p -U over -d. A password
 * typed once (-W, or because the server asked) is reused for every reconnection.
 */
export class ServerConnector {
  private password: string | undefined;
  private forcePrompt: boolean;

  constructor(
    private readonly tool: string,
    private readonly flags: ConnectionFlags,
    private readonly io: ToolIO,
  ) {
    this.forcePrompt = flags.passwordMode === 'prompt';
  }

  async open(): Promise<PgConnection> {
    if (this.forcePrompt) {
      this.forcePrompt = false;
      this.password = await promptPassword(this.io.signal === undefined ? {} : { signal: this.io.signal });
    }
    const overrides: Record<string, string> = {};
    if (this.flags.host !== undefined) overrides['host'] = this.flags.host;
    if (this.flags.port !== undefined) overrides['port'] = this.flags.port;
    if (this.flags.username !== undefined) overrides['user'] = this.flags.username;
    if (this.password !== undefined) overrides['password'] = this.password;
    const resolved = resolveConnection({
      ...(this.flags.dbname === undefined ? {} : { connString: this.flags.dbname }),
      overrides,
      replication: 'true',
      fallbackApplicationName: this.tool,
      env: this.io.env,
    });
    const canPrompt = this.flags.passwordMode !== 'never';
    return connect({
      resolved,
      // The segment writer holds what the disk has not taken yet; the socket needs little.
      receiveBufferBytes: RECEIVE_BUFFER_BYTES,
      ...(this.io.signal === undefined ? {} : { signal: this.io.signal }),
      ...(canPrompt
        ? {
            promptPassword: async () => {
              const typed = await promptPassword(this.io.signal === undefined ? {} : { signal: this.io.signal });
              this.password = typed;
              return typed;
            },
          }
        : {}),
    });
  }
}

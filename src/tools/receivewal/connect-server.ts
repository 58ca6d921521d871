import type { ConnectionFlags } from '../../core/cli/connection-flags.js';
import type { ToolIO } from '../../core/cli/io.js';
import { openConnection } from '../../core/cli/open-connection.js';
import type { PgConnection } from '../../core/pg/connection/pg-connection.js';

const RECEIVE_BUFFER_BYTES = 1024 * 1024;

/**
 * Opens physical replication connections the way pg_receivewal's GetConnection does:
 * replication=true, fallback_application_name = the tool's name, -h -p -U over -d. A password
 * typed once (-W, or because the server asked) is reused for every reconnection.
 */
export class ServerConnector {
  /** A password typed once (-W, or because the server asked) serves every reconnection. */
  private readonly typed: { password?: string } = {};

  constructor(
    private readonly tool: string,
    private readonly flags: ConnectionFlags,
    private readonly io: ToolIO,
    private readonly onWarning: (message: string) => void,
  ) {}

  async open(): Promise<PgConnection> {
    const { connection } = await openConnection({
      flags: this.flags,
      env: this.io.env,
      ...(this.io.signal === undefined ? {} : { signal: this.io.signal }),
      applicationName: this.tool,
      replication: true,
      // The segment writer holds what the disk has not taken yet; the socket needs little.
      receiveBufferBytes: RECEIVE_BUFFER_BYTES,
      onWarning: this.onWarning,
      typed: this.typed,
    });
    return connection;
  }
}

/**
 * tslab's Jupyter server with what the pipelab kernel adds to the protocol:
 * - a failed cell gets a Jupyter `error` output and an execute_reply that
 *   carries its ename/evalue/traceback (tslab prints the error to stderr and
 *   replies with neither, which nbconvert shows as an empty `<Error>:`);
 * - `comm_info_request` is answered as `comm_info_reply` (tslab names it
 *   complete_reply), and a front end's `comm_open` (its widget manager asks on
 *   every notebook it opens) is closed at once, as ipykernel does for a target
 *   it does not know, instead of "unknown msg_type" on the server's terminal.
 */
import type { CellFailures } from "./cell-failures";
import type { Message, MessageClass, ServerClass } from "./tslab-parts";

const COMM_MESSAGES = new Set(["comm_open", "comm_msg", "comm_close"]);

/** The server class: tslab's, extended. */
export function pipelabServer(TslabServer: ServerClass, failures: CellFailures): ServerClass {
  class PipelabServer extends TslabServer {
    /** tslab's message class, learned from the first message it parses (it does not export it). */
    private messageClass: MessageClass | undefined;

    override publishStatus(status: string, parent: Message): void {
      this.messageClass ??= parent.constructor as unknown as MessageClass;
      super.publishStatus(status, parent);
    }

    override async handleShellMessage(socket: unknown, ...raw: unknown[]): Promise<void> {
      const message = this.messageClass && peekComm(this.messageClass, this.connInfo.key, raw);
      if (!message) return super.handleShellMessage(socket, ...raw);
      this.publishStatus("busy", message);
      if (message.header.msg_type === "comm_open") this.publish(message, "comm_close", { comm_id: message.content.comm_id, data: {} });
      this.publishStatus("idle", message);
    }

    override handleCommInfoRequest(socket: unknown, message: Message): void {
      const reply = message.createReply();
      reply.header.msg_type = "comm_info_reply";
      reply.content = { status: "ok", comms: {} };
      reply.signAndSend(this.connInfo.key, socket);
    }

    override async handleExecute(socket: unknown, message: Message): Promise<void> {
      const writeStream = (name: string, text: string) => this.publish(message, "stream", { name, text });
      const writeDisplayData = (data: unknown, update: boolean) =>
        this.publish(message, update ? "update_display_data" : "display_data", data as Record<string, unknown>);
      let content: Record<string, unknown> = await this.handler.handleExecute(message.content, writeStream, writeDisplayData);
      if (content.status === "error") {
        const failure = failures.take();
        this.publish(message, "error", { ...failure });
        content = { ...content, ...failure };
      }
      const reply = message.createReply();
      reply.header.msg_type = "execute_reply";
      reply.content = content;
      reply.signAndSend(this.connInfo.key, socket);
    }

    private publish(parent: Message, type: string, content: Record<string, unknown>): void {
      const out = parent.createReply();
      out.header.msg_type = type;
      out.content = content;
      out.signAndSend(this.connInfo.key, this.iopub);
    }
  }
  return PipelabServer;
}

/** The message, if `raw` is a comm message. */
function peekComm(messageClass: MessageClass, key: string, raw: unknown[]): Message | undefined {
  try {
    const message = messageClass.fromRaw(key, raw);
    return COMM_MESSAGES.has(message.header.msg_type) ? message : undefined;
  } catch {
    return undefined; // tslab parses it again and reports what is wrong
  }
}

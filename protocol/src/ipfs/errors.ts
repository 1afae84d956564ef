/**
 * Why reading a file from IPFS failed, by what it means for the reader: the content
 * is not there (or is not a file), is too big, or could not be read this time (the
 * daemon slow or unreachable), which is worth another attempt later.
 */
import { ProtocolError } from "../errors";

export type IpfsErrorCode =
  /** The daemon says no block of that CID is available (offline: definitive). */
  | "IPFS_NOT_FOUND"
  /** The CID names something that is not a file (a directory, a malformed CID). */
  | "IPFS_NOT_A_FILE"
  /** The content is larger than the limit; reading stopped at limit + 1 bytes. */
  | "IPFS_TOO_LARGE"
  /** No complete answer within the fetch timeout. */
  | "IPFS_TIMEOUT"
  /** The daemon could not be reached, or failed in a way that says nothing about the content. */
  | "IPFS_UNAVAILABLE";

export class IpfsError extends ProtocolError<IpfsErrorCode> {
  constructor(
    code: IpfsErrorCode,
    readonly cid: string,
    message: string,
  ) {
    super(code, message);
  }
}

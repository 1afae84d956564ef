/** A quote: its price lines, the 90/10 split checked against the program's math, the matching outlook, and the button that funds the escrow and submits. */
import type { Quote } from "../../api";
import { insufficientMessage } from "../../chain";
import { Amount, Table } from "../../components";
import { percent, shortKey, time } from "../../format";

interface QuoteDetailsProps {
  readonly quote: Quote;
  /** The program's split of the quoted amount. */
  readonly preview: { node: bigint; platform: bigint };
  /** The quoted amount and the wallet's token balance (null while unknown); short when the balance is below it. */
  readonly amount: bigint | null;
  readonly balance: bigint | null;
  readonly short: boolean;
  readonly busy: string | null;
  readonly onFund: () => Promise<void>;
}

export function QuoteDetails({ quote, preview, amount, balance, short, busy, onFund }: QuoteDetailsProps) {
  return (
    <div className="quote" data-testid="quote">
      <h3>
        Quote: <Amount value={quote.amount} testId="quote-amount" />
      </h3>
      <table>
        <tbody>
          {quote.breakdown.map((line) => (
            <tr key={line.item}>
              <td>{line.item}</td>
              <td className="num">
                <Amount value={line.amount} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="quote-split">
        On release the node gets <Amount value={quote.nodeAmount} testId="quote-node" /> ({(100 - quote.feeBps / 100).toFixed(0)}%) and the
        platform <Amount value={quote.platformFee} testId="quote-platform" /> ({(quote.feeBps / 100).toFixed(0)}%).
        {(preview.node !== BigInt(quote.nodeAmount) || preview.platform !== BigInt(quote.platformFee)) && (
          <strong className="error">
            {" "}
            The coordinator's split differs from the program's math ({preview.node.toString()}/{preview.platform.toString()}).
          </strong>
        )}
      </p>
      <p className="muted">
        About {quote.estimate.gpuHours.toFixed(4)} GPU-hours on the {quote.gpu.priceModel} reference, ≥ {quote.estimate.minVramGb} GB VRAM.
        Expires {time(quote.expiresAt)}.
      </p>
      <h3>
        Matching: <span data-testid="availability">{quote.availability.verdict}</span>
      </h3>
      <p>
        {quote.availability.eligible} eligible node(s), {quote.availability.availableNow} available now, {quote.availability.queueDepth}{" "}
        job(s) queued.
      </p>
      {quote.availability.reasons.length > 0 && (
        <ul data-testid="reasons">
          {quote.availability.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      {quote.availability.candidates.length > 0 && (
        <Table head={["Node", "GPU", "Class", "State", "Reliability", "Cost"]}>
          {quote.availability.candidates.map((c) => (
            <tr key={c.nodeId}>
              <td>
                <code>{shortKey(c.nodeId)}</code>
              </td>
              <td>{c.gpuModel}</td>
              <td>{c.nodeClass}</td>
              <td>{c.state}</td>
              <td>{percent(c.reliability)}</td>
              <td className="num">
                <Amount value={c.nodeCost} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      {short && amount !== null && balance !== null && (
        <p className="banner error" data-testid="insufficient">
          {insufficientMessage(balance, amount)}.
        </p>
      )}
      <button type="button" onClick={() => void onFund()} disabled={busy !== null || short || balance === null} data-testid="fund-submit">
        Fund escrow & submit
      </button>
    </div>
  );
}

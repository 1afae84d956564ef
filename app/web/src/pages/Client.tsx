/** Client: connect a wallet, describe a cyxwiz/mlp-classifier@1 job, quote, fund the escrow, submit; my jobs. */
import { Card, Empty } from "../components";
import { useActiveWallet } from "../wallet";
import { JobForm } from "./client/JobForm";
import { MyJobs } from "./client/MyJobs";
import { WalletPanel } from "./client/WalletPanel";

export { WalletPanel };

export function ClientPage() {
  const { active } = useActiveWallet();
  return (
    <div className="page" data-testid="client-page">
      <WalletPanel />
      {active === null ? (
        <Card title="New training job">
          <Empty>Connect a wallet to quote and submit a job.</Empty>
        </Card>
      ) : (
        <>
          <JobForm wallet={active} />
          <MyJobs wallet={active} />
        </>
      )}
    </div>
  );
}

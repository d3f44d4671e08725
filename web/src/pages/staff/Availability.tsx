import { staffApi } from "../../api/staff";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Page, Section } from "../../components/ui";
import { nb } from "../../text/nb";

export function Availability() {
  const state = useLoad(staffApi.availability);
  const change = useAction(async (open: boolean) => { await staffApi.setAvailability(open); state.reload(); });
  return (
    <Page title={nb.availability.title}>
      <Section state={state}>
        {(a: { open: boolean }) => (
          <>
            <p className="big" role="status">{a.open ? nb.availability.isOpen : nb.availability.isClosed}</p>
            <ErrorMessage error={change.error} />
            <Busy type="button" busy={change.busy} className={a.open ? "secondary" : ""}
              label={a.open ? nb.availability.close : nb.availability.open} onClick={() => void change.run(!a.open)} />
          </>
        )}
      </Section>
    </Page>
  );
}

import { staffApi } from "../../api/staff";
import { useAction, useLoad } from "../../components/hooks";
import { Busy, ErrorMessage, Page, Section } from "../../components/ui";
import { words } from "../../text";

export function Availability() {
  const state = useLoad(staffApi.availability);
  const change = useAction(async (open: boolean) => { await staffApi.setAvailability(open); state.reload(); });
  return (
    <Page title={words.availability.title}>
      <Section state={state}>
        {(a: { open: boolean }) => (
          <>
            <p className="big" role="status">{a.open ? words.availability.isOpen : words.availability.isClosed}</p>
            <ErrorMessage error={change.error} />
            <Busy type="button" busy={change.busy} className={a.open ? "secondary" : ""}
              label={a.open ? words.availability.close : words.availability.open} onClick={() => void change.run(!a.open)} />
          </>
        )}
      </Section>
    </Page>
  );
}

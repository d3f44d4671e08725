import { useState, type FormEvent } from "react";
import { staffApi } from "../../api/staff";
import { useAction } from "../../components/hooks";
import { Busy, ErrorMessage, Field, Notice, RequiredNote } from "../../components/ui";
import { words } from "../../text";

const t = words.reception;

/** Register a patient's frikort for a year: from the patient's page at reception, or from the billing office's
 * co-payment report. The patient is named, never typed in as an id. */
export function FrikortForm({ patientId, name, headingLevel = 2, onSaved }: {
  patientId: string; name: string; headingLevel?: 2 | 3; onSaved?: () => void;
}) {
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [card, setCard] = useState("");
  const [done, setDone] = useState(false);
  const save = useAction(async () => {
    await staffApi.frikort(patientId, Number(year), card.trim());
    setDone(true);
    onSaved?.();
  });
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section className="card">
      <Heading>{t.frikortFor(name)}</Heading>
      <RequiredNote />
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); setDone(false); void save.run(); }} noValidate>
        <Field label={t.year} required error={save.error?.fields.year}>
          {(p) => <input {...p} inputMode="numeric" value={year} onChange={(e) => setYear(e.target.value)} />}
        </Field>
        <Field label={t.cardNumber} required error={save.error?.fields.card_number}>
          {(p) => <input {...p} value={card} onChange={(e) => setCard(e.target.value)} />}
        </Field>
        <ErrorMessage error={save.error} />
        {done && <Notice takeFocus>{t.frikortSaved(name, year)}</Notice>}
        <Busy busy={save.busy} label={t.saveFrikort} />
      </form>
    </section>
  );
}

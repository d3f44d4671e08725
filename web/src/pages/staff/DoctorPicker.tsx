import { staffApi, type Doctor } from "../../api/staff";
import { useLoad } from "../../components/hooks";
import { ErrorMessage, Field } from "../../components/ui";
import { words } from "../../text";

/** Choose a doctor from the clinic's list (a select that waits, disabled, while the list comes), or type the id
 * when the list cannot be fetched, with the error and a retry. */
export function DoctorPicker({ value, onChange, label = words.reception.doctor, required, error }: {
  value: string; onChange: (id: string) => void; label?: string; required?: boolean; error?: string;
}) {
  const doctors = useLoad(staffApi.doctors);
  const list: Doctor[] = doctors.data ?? [];
  const failed = doctors.error !== null || (!doctors.loading && list.length === 0);
  return (
    <>
      <Field label={label} required={required} error={error}>
        {(p) => failed ? (
          <input {...p} value={value} onChange={(e) => onChange(e.target.value.trim())} placeholder="UUID" />
        ) : (
          <select {...p} value={value} disabled={doctors.loading} aria-busy={doctors.loading}
            onChange={(e) => onChange(e.target.value)}>
            <option value="">{doctors.loading ? words.app.loading : "–"}</option>
            {list.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        )}
      </Field>
      <ErrorMessage error={doctors.error} onRetry={doctors.reload} />
    </>
  );
}

import { staffApi, type Doctor } from "../../api/staff";
import { useLoad } from "../../components/hooks";
import { Field } from "../../components/ui";
import { nb } from "../../text/nb";

/** Choose a doctor from the clinic's list, or type the id when the list cannot be fetched. */
export function DoctorPicker({ value, onChange, label = nb.reception.doctor }: {
  value: string; onChange: (id: string) => void; label?: string;
}) {
  const doctors = useLoad(staffApi.doctors);
  const list: Doctor[] = doctors.data ?? [];
  return (
    <Field label={label}>
      {(p) => list.length > 0 ? (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">–</option>
          {list.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      ) : (
        <input {...p} value={value} onChange={(e) => onChange(e.target.value.trim())} placeholder="UUID" />
      )}
    </Field>
  );
}

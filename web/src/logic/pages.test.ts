import { describe, expect, it } from "vitest";
import type { Appointment, Slot } from "../api/types";
import { nextAppointment } from "../pages/patient/Home";
import { cancelState, phoneOnly } from "../pages/patient/Book";

const appointment = (starts: string, until: string | null, status: "booked" | "cancelled" = "booked"): Appointment =>
  ({ id: starts, starts_at: starts, ends_at: starts, reason: null, status, cancelled_by: null, patient_may_cancel_until: until });

describe("cancelling shown before it bites", () => {
  it("offers cancelling on a working day before the deadline", () => {
    const a = appointment("2026-01-15T09:00:00+01:00", "2026-01-14T09:00:00+01:00");
    expect(cancelState(a, new Date("2026-01-12T10:00:00+01:00"))).toBe("ok");
  });
  it("says it is too late after the deadline", () => {
    const a = appointment("2026-01-15T09:00:00+01:00", "2026-01-14T09:00:00+01:00");
    expect(cancelState(a, new Date("2026-01-14T09:00:01+01:00"))).toBe("too_late");
  });
  it("says weekends do not count, even with time left", () => {
    const a = appointment("2026-01-21T09:00:00+01:00", "2026-01-20T09:00:00+01:00");
    expect(cancelState(a, new Date("2026-01-17T12:00:00+01:00"))).toBe("not_working_day");
  });
  it("takes a holiday or a closed day from the server, which knows them", () => {
    const a = { ...appointment("2026-04-20T09:00:00+02:00", "2026-04-17T09:00:00+02:00"),
      patient_cancel_refusal: "booking.cancel_not_working_day" };
    expect(cancelState(a, new Date("2026-04-02T10:00:00+02:00"))).toBe("not_working_day");  // Maundy Thursday
  });
  it("offers nothing without the server's deadline: the client keeps no holiday table to guess it", () => {
    const a = appointment("2026-01-12T09:00:00+01:00", null);
    expect(cancelState(a, new Date("2026-01-05T09:00:00+01:00"))).toBe("too_late");
  });
});

describe("slots past their online cancel deadline", () => {
  const slot = (until: string | null): Slot => ({ id: "s", doctor_id: "d", starts_at: "2026-01-13T09:00:00+01:00",
    ends_at: "2026-01-13T09:20:00+01:00", minutes: 20, patient_may_cancel_until: until });
  it("are marked as cancellable by phone only once the server's deadline has passed", () => {
    const now = new Date("2026-01-12T10:00:00+01:00");
    expect(phoneOnly(slot("2026-01-12T09:00:00+01:00"), now)).toBe(true);
    expect(phoneOnly(slot("2026-01-12T11:00:00+01:00"), now)).toBe(false);
    expect(phoneOnly(slot(null), now)).toBe(false);
  });
});

describe("the next appointment on the home page", () => {
  it("is the earliest booked one still ahead", () => {
    const now = new Date("2026-01-12T10:00:00+01:00");
    const items = [appointment("2026-01-20T09:00:00+01:00", null), appointment("2026-01-10T09:00:00+01:00", null),
      appointment("2026-01-13T09:00:00+01:00", null, "cancelled"), appointment("2026-01-15T09:00:00+01:00", null)];
    expect(nextAppointment(items, now)?.starts_at).toBe("2026-01-15T09:00:00+01:00");
    expect(nextAppointment([], now)).toBeUndefined();
  });
});

package main

import "testing"

func TestSlotIDIsTheChosenSlotsIdAndNeverTheDoctors(t *testing.T) {
	answer := []byte(`{"doctor_id":"d-1","slots":[{"id":"s-1","doctor_id":"d-1","starts_at":"2026-12-01T09:00:00+01:00",` +
		`"ends_at":"2026-12-01T09:10:00+01:00","minutes":10,"online":true,"patient_may_cancel_until":"x"},` +
		`{"id":"s-2","doctor_id":"d-1","minutes":10}]}`)
	for k, want := range []string{"s-1", "s-2"} {
		offered := 0
		got := slotID(answer, func(n int) int { offered = n; return k })
		if got != want || offered != 2 {
			t.Fatalf("slot %d of %d: %q, want %q of 2", k, offered, got, want)
		}
	}
	if got := slotID([]byte(`{"doctor_id":"d-1","slots":[]}`), func(int) int { panic("no slots to pick") }); got != "" {
		t.Fatalf("no slots, yet %q", got)
	}
}

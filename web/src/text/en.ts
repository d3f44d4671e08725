import type { Messages } from "./nb";
import { nb } from "./nb";

// Placeholder until written.
export const en: Messages = nb;

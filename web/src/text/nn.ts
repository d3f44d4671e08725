import type { Messages } from "./nb";
import { nb } from "./nb";

// Placeholder until written.
export const nn: Messages = nb;

import type { Command } from "./command.js";
export const demoCommand: Command = { name: "demo", summary: "", help: "", run: async () => 0 };

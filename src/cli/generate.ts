import type { Command } from "./command.js";
export const generateCommand: Command = { name: "generate", summary: "", help: "", run: async () => 0 };

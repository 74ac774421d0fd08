/**
 * Every headless command, registered on the program in the order `--help` lists them.
 * A command module exports `register(program)`; add one line here for a new one.
 */
import type { Command } from 'commander';
import { register as config } from './config.js';

export const commandModules: Array<(program: Command) => void> = [
  config,
];

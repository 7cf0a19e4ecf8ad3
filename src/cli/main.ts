#!/usr/bin/env node
/**
 * `pos`: the terminal's command line. The program is built in `program.ts`;
 * each subcommand lives in `commands/`.
 */
import { createProgram, runProgram } from './program.js';

await runProgram(createProgram(), process.argv);

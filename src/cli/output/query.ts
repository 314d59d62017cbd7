import jmespath from 'jmespath';
import { PalisadeError } from '../../core/index.js';
import { pyStrRepr } from './python.js';
import { rememberQueryInput } from './value.js';

/** What the `jmespath` 0.16 CommonJS module exports at runtime (its typings only declare `search`). */
interface JmespathModule {
  compile(expression: string): unknown;
  search(data: unknown, expression: string): unknown;
}
const jp = jmespath as unknown as JmespathModule;

/** A `--query` expression that parsed; `search` runs it on a command result before formatting. */
export interface CompiledQuery {
  readonly expression: string;
  search(value: unknown): unknown;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Compiles a JMESPath expression while the arguments are parsed, like knack's `CLIQuery.jmespath_type`.
 * A syntax error is an argument error whose message is argparse's, as az prints it:
 * `argument --query: invalid jmespath_type value: '<expression>'`; the parser's own message is in `details`.
 */
export function compileQuery(expression: string): CompiledQuery {
  try {
    jp.compile(expression);
  } catch (error) {
    throw new PalisadeError('InvalidQuery', `argument --query: invalid jmespath_type value: ${pyStrRepr(expression)}`, {
      kind: 'argument',
      target: '--query',
      details: [{ code: 'JMESPathParseError', message: errorMessage(error), target: '--query' }],
      cause: error,
    });
  }
  return {
    expression,
    search(value: unknown): unknown {
      // Objects that come from the input are Python plain dicts (tsv sorts their values by key); objects the
      // query builds are OrderedDicts (tsv keeps their order). See toPyValue.
      rememberQueryInput(value);
      try {
        return jp.search(value, expression);
      } catch (error) {
        // azure-cli's handle_exception for a JMESPathError raised while searching (unknown function, bad type).
        throw new PalisadeError('InvalidQuery', `Invalid jmespath query supplied for \`--query\`: ${errorMessage(error)}`, {
          kind: 'argument',
          target: '--query',
          cause: error,
        });
      }
    },
  };
}

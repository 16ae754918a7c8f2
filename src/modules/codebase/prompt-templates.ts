// The prompt templates the codebase module ships (contribution point `promptTemplates`, decision
// 0048), for a conversation bound to a project: they name the tools by what they do and ask for
// `path:line` citations, so an answer can be checked against the code it cites. Raise a
// template's version with every change of its text or variables.
import type { BuiltinPromptTemplate } from '../../core/llm/prompt-templates.ts';

const PATH = { name: 'path', description: "A file's path in the codebase, as search or the tree show it (src/users.ts)" };

export const codebasePromptTemplates: readonly BuiltinPromptTemplate[] = [
  {
    id: 'codebase.explain',
    name: 'Explain code',
    description: 'Explain a file of the project, or one function, class or other symbol in it.',
    version: 1,
    variables: [PATH, { name: 'symbol', description: 'A function, class or other symbol of the file; left out: the whole file', default: 'the whole file' }],
    body:
      'Explain {{symbol}} in {{path}} of this project.\n\n' +
      'Read the code before answering: open the file with read_file, and find what it calls and who calls it with search_code. ' +
      'Say what it does, its inputs and outputs, how it fits with the code around it, and anything surprising or risky. ' +
      'Cite each point as path:line.',
  },
  {
    id: 'codebase.review',
    name: 'Review a file',
    description: 'Review a file of the project, with a focus of your choice.',
    version: 1,
    variables: [PATH, { name: 'focus', description: 'What to look at most', default: 'correctness, error handling, security and readability' }],
    body:
      'Review {{path}} of this project, focusing on {{focus}}.\n\n' +
      'Read the whole file with read_file (at most 400 lines a call) and look up what it relies on with search_code. ' +
      'List concrete findings, the most important first, each with its path:line, what is wrong, why it matters and the change you suggest. ' +
      'If you find nothing worth changing, say so plainly.',
  },
  {
    id: 'codebase.find',
    name: 'Find where something happens',
    description: 'Find the places in the project that do something.',
    version: 1,
    variables: [{ name: 'question', description: 'What happens, in your words (where are passwords hashed?)' }],
    body:
      'Where in this project does this happen: {{question}}\n\n' +
      'Search the code with search_code (try the likely identifiers and words, then narrow by path or language), and read the promising matches with read_file. ' +
      'Answer with each place that does it, cited as path:line, and a sentence on its part. If you find nothing, say what you searched for.',
  },
  {
    id: 'codebase.write_test',
    name: 'Write a test',
    description: 'Write a test for a function of the project, in the style of its existing tests.',
    version: 1,
    variables: [
      PATH,
      { name: 'symbol', description: 'The function to test' },
      { name: 'framework', description: 'The test framework', default: 'the test framework the project already uses' },
    ],
    body:
      'Write a test for {{symbol}} in {{path}} of this project, with {{framework}}.\n\n' +
      'First read the function and what it depends on (read_file, search_code), and look for existing tests with list_tree and search_code to follow their layout, style and helpers. ' +
      'Cover the usual case, the edge cases and the errors it can raise. ' +
      "Answer with the test file's path and its whole content, then cite, as path:line, the lines each test exercises.",
  },
];

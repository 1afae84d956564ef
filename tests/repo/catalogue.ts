/**
 * The security-test catalogue, docs/security-tests.md, checked against the repository:
 * every reference to a numbered security test names an entry of the catalogue, every
 * test the catalogue names exists by that name in the file it gives, and nothing in
 * the repository points at documents kept outside it. Run by `npm run test:repo`; it
 * needs no services, only the checkout (and git, to list its files).
 */
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";

import { expect } from "chai";

const ROOT = resolve(__dirname, "../..");
const CATALOGUE = "docs/security-tests.md";
/** Where references to security tests are looked for. */
const SOURCE_EXTENSIONS = new Set([".ts", ".tsx", ".rs", ".md", ".yaml", ".yml", ".toml", ".sh"]);

interface Citation {
  readonly file: string;
  readonly names: string[];
  readonly line: number;
}

interface Entry {
  readonly number: number;
  readonly title: string;
  readonly line: number;
  readonly tests: Citation[];
}

interface Catalogue {
  readonly entries: Entry[];
  /** Entry numbers listed under "Not covered yet". */
  readonly notCovered: { number: number; line: number }[];
  /** Every backticked token of the document that reads as a path in the repository. */
  readonly paths: { path: string; line: number }[];
}

const backticked = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

const looksLikePath = (token: string): boolean =>
  /^[\w.-]+(\/[\w.-]+)+\/?$/.test(token) && !token.startsWith("cyxwiz/") && (token.endsWith("/") || /\.\w+$/.test(token));

/** Reads the catalogue: `### N. Title` entries, their "- `file`: `name`; `name`" lines, and the gaps. */
function parseCatalogue(text: string): Catalogue {
  const entries: Entry[] = [];
  const notCovered: { number: number; line: number }[] = [];
  const paths: { path: string; line: number }[] = [];
  let section = "";
  let entry: Entry | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    for (const token of backticked(raw)) if (looksLikePath(token)) paths.push({ path: token, line });
    const heading = /^(#{2,3}) (.*)$/.exec(raw);
    if (heading !== null) {
      const numbered = /^(\d+)\. (.+)$/.exec(heading[2]);
      if (heading[1] === "##") {
        section = heading[2].trim();
        entry = undefined;
      } else if (numbered !== null && section !== "Not covered yet") {
        entry = { number: Number(numbered[1]), title: numbered[2].trim(), line, tests: [] };
        entries.push(entry);
      }
      return;
    }
    if (section === "Not covered yet") {
      const gap = /^- (\d+):/.exec(raw);
      if (gap !== null) notCovered.push({ number: Number(gap[1]), line });
      return;
    }
    const citation = /^- `([^`]+)`: (.*)$/.exec(raw);
    if (citation !== null && entry !== undefined) {
      entry.tests.push({ file: citation[1], names: backticked(citation[2]), line });
    }
  });
  return { entries, notCovered, paths };
}

const NUMBER_LIST = String.raw`\d+(?:\s*[–-]\s*\d+)?(?:\s*(?:,|and)\s*\d+(?:\s*[–-]\s*\d+)?)*`;

/** "1–9, 13, 15–18 and 22" → 1 … 9, 13, 15 … 18, 22. */
function expandNumbers(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(/\s*(?:,|\band\b)\s*/)) {
    const range = /^(\d+)\s*[–-]\s*(\d+)$/.exec(part.trim());
    if (range !== null) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(n);
    } else if (/^\d+$/.test(part.trim())) {
      out.push(Number(part.trim()));
    }
  }
  return out;
}

interface Reference {
  readonly number: number;
  readonly line: number;
  readonly text: string;
}

/**
 * The security tests a file refers to: "security test N" and "tests N–M, K" in prose
 * and comments, mocha titles that start with "N: " or end their clause with "(N, M)",
 * and Rust test functions named `tNN_…`. HTTP statuses ("400: …") are three digits and
 * so never read as a test.
 */
function referencesIn(text: string, file: string): Reference[] {
  const found: Reference[] = [];
  const lineOf = (offset: number) => text.slice(0, offset).split("\n").length;
  const add = (numbers: number[], offset: number, match: string) => {
    for (const number of numbers) found.push({ number, line: lineOf(offset), text: match.trim() });
  };

  for (const match of text.matchAll(new RegExp(String.raw`\btests?\s+(${NUMBER_LIST})`, "gi"))) {
    add(expandNumbers(match[1]), match.index ?? 0, match[0]);
  }
  if (file.endsWith(".ts") || file.endsWith(".tsx")) {
    for (const match of text.matchAll(/\b(?:describe|it|context)\(\s*(["'`])((?:(?!\1)[^\\]|\\.)*)\1?/g)) {
      const title = match[2];
      const offset = match.index ?? 0;
      const leading = /^(\d{1,2}): /.exec(title);
      if (leading !== null) add([Number(leading[1])], offset, title);
      for (const list of title.matchAll(/\((\d{1,2}(?:[–-]\d{1,2})?(?:, \d{1,2}(?:[–-]\d{1,2})?)*)\)/g)) {
        add(expandNumbers(list[1]), offset, title);
      }
    }
  }
  if (file.endsWith(".rs")) {
    for (const match of text.matchAll(/\bfn t(\d{2})_\w+/g)) add([Number(match[1])], match.index ?? 0, match[0]);
  }
  return found;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether `name` is a test (or function) of `source`: in Rust, a `fn name`; in
 * TypeScript, a whole quoted title, or the literal start of a template title.
 */
function namesTest(source: string, file: string, name: string): boolean {
  if (file.endsWith(".rs")) return new RegExp(String.raw`\bfn ${escapeRegExp(name)}\b`).test(source);
  const quoted = new RegExp(String.raw`(["'\x60])${escapeRegExp(name)}(?:\1|\s*\$\{)`);
  return quoted.test(source);
}

/** The repository's files: git's tracked and not-ignored ones, or a walk without git. */
function repositoryFiles(): string[] {
  try {
    const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return [...new Set(listed.split("\0").filter((file) => file !== ""))];
  } catch {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(join(ROOT, dir))) {
        if (name.startsWith(".") || name === "node_modules" || name === "target") continue;
        const path = dir === "" ? name : `${dir}/${name}`;
        const stat = lstatSync(join(ROOT, path));
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile()) out.push(path);
      }
    };
    walk("");
    return out;
  }
}

/** A regular text file's contents, or undefined for links, folders, binaries and absent files. */
function readText(file: string): string | undefined {
  const path = join(ROOT, file);
  if (!existsSync(path) || !lstatSync(path).isFile()) return undefined;
  const text = readFileSync(path, "utf8");
  return text.includes("\0") ? undefined : text;
}

describe("repository: reading security-test references", () => {
  it("expands lists and ranges, with an en dash or a hyphen", () => {
    expect(expandNumbers("1–9, 13, 15–18 and 22")).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 18, 22]);
    expect(expandNumbers("26-30, 35, 36")).to.deep.equal([26, 27, 28, 29, 30, 35, 36]);
  });

  it("finds prose, title and Rust references, and leaves HTTP statuses alone", () => {
    const ts = [
      "/** Security tests 31 and 40; see test 29 too. */",
      'describe("chain: exactly-once settlement (26–28, 35)", () => {',
      '  it("33: a silent node loses its job", () => {});',
      '  it("400: a bad field is refused", () => {});',
      '  it("a cancel answers 200 (404 for a stranger)", () => {});',
      "});",
    ].join("\n");
    expect(referencesIn(ts, "a.ts").map((r) => r.number)).to.deep.equal([31, 40, 29, 26, 27, 28, 35, 33]);
    expect(referencesIn("#[tokio::test]\nasync fn t07_payers_do_not_collide() {}", "a.rs").map((r) => r.number)).to.deep.equal([7]);
  });

  it("matches a named test only by its whole title, or by the literal start of a template title", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source of a test file, as text, with a template title in it.
    const source = 'it("25: twice, one job", f);\nit(`32: refuses ${policy}`, f);\nasync fn t19_expiry() {}';
    expect(namesTest(source, "a.ts", "25: twice, one job")).to.equal(true);
    expect(namesTest(source, "a.ts", "25: twice")).to.equal(false);
    expect(namesTest(source, "a.ts", "32: refuses")).to.equal(true);
    expect(namesTest(source, "a.rs", "t19_expiry")).to.equal(true);
    expect(namesTest(source, "a.rs", "t19_exp")).to.equal(false);
  });
});

describe("repository: the security-test catalogue (docs/security-tests.md)", () => {
  const catalogue = parseCatalogue(readFileSync(join(ROOT, CATALOGUE), "utf8"));
  const numbers = new Set(catalogue.entries.map((entry) => entry.number));
  const files = repositoryFiles();

  it("numbers its entries 1, 2, 3 … once each, and every entry names at least one test", () => {
    expect(catalogue.entries.length, "entries found").to.be.greaterThan(0);
    expect(catalogue.entries.map((entry) => entry.number)).to.deep.equal(catalogue.entries.map((_, index) => index + 1));
    const untested = catalogue.entries.filter((entry) => entry.tests.length === 0 || entry.tests.some((t) => t.names.length === 0));
    expect(untested.map((entry) => `${CATALOGUE}:${entry.line} ${entry.number}. ${entry.title}`)).to.deep.equal([]);
  });

  it("every reference to a security test in the code, tests and docs is an entry of the catalogue", () => {
    const scanned = files.filter((file) => SOURCE_EXTENSIONS.has(extname(file)));
    expect(scanned.length, "files scanned").to.be.greaterThan(100);
    const dangling: string[] = [];
    let seen = 0;
    for (const file of scanned) {
      const text = readText(file);
      if (text === undefined) continue;
      for (const reference of referencesIn(text, file)) {
        seen++;
        if (!numbers.has(reference.number)) dangling.push(`${file}:${reference.line}: ${reference.number} in "${reference.text}"`);
      }
    }
    expect(seen, "references found").to.be.greaterThan(0);
    expect(dangling, "references to no entry of the catalogue").to.deep.equal([]);
  });

  it("every test it names exists, by that name, in the file it gives", () => {
    const candidates = files.filter((file) => /\.(ts|tsx|rs)$/.test(file));
    const missing: string[] = [];
    for (const entry of catalogue.entries) {
      for (const citation of entry.tests) {
        const source = readText(citation.file);
        if (source === undefined) {
          missing.push(`${CATALOGUE}:${citation.line}: ${citation.file} does not exist`);
          continue;
        }
        for (const name of citation.names.filter((n) => !namesTest(source, citation.file, n))) {
          const elsewhere = candidates.filter((file) => file !== citation.file && namesTest(readText(file) ?? "", file, name));
          const hint = elsewhere.length > 0 ? ` (found in ${elsewhere.join(", ")})` : "";
          missing.push(`${CATALOGUE}:${citation.line}: entry ${entry.number}: "${name}" is not a test of ${citation.file}${hint}`);
        }
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it("every file or folder it mentions exists", () => {
    const absent = catalogue.paths.filter((p) => !existsSync(join(ROOT, p.path))).map((p) => `${CATALOGUE}:${p.line}: ${p.path}`);
    expect(catalogue.paths.length).to.be.greaterThan(0);
    expect(absent).to.deep.equal([]);
  });

  it("lists as not covered yet only parts of entries it has", () => {
    const unknown = catalogue.notCovered.filter((gap) => !numbers.has(gap.number)).map((gap) => `${CATALOGUE}:${gap.line}: ${gap.number}`);
    expect(unknown).to.deep.equal([]);
  });

  it("no file of the repository points at documents outside it", () => {
    // Built from parts so that this file does not match itself.
    const outside = ["shared", "docs"].join("/");
    const offenders = files.filter((file) => readText(file)?.includes(outside) ?? false);
    expect(offenders).to.deep.equal([]);
  });
});

// Acceptance walk of #19 against `npm start` (not committed).
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { readdirSync, readFileSync } from 'node:fs';
import { trackTime } from './clients/typescript/examples/time-entries.ts';

const base = process.argv[2];
const dataDir = process.argv[3];
const text = await (await fetch(`${base}/openapi.json`)).text();
await SwaggerParser.validate(JSON.parse(text));
console.log('swagger-parser: valid');
const problems = await lintFromString({ source: text, absoluteRef: 'file:///openapi.json', config: await createConfig({ extends: ['recommended'] }) });
console.log('redocly:', problems.filter((p) => p.severity === 'error').length, 'errors,', problems.filter((p) => p.severity === 'warn').length, 'warnings', problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`));
const spectral = new spectralCore.Spectral();
spectral.setRuleset({ extends: [[spectralRulesets.oas as never, 'recommended']] });
const results = await spectral.run(new spectralCore.Document(text, spectralParsers.Json, '/openapi.json'));
console.log('spectral:', results.filter((r) => r.severity === 0).length, 'errors,', results.filter((r) => r.severity === 1).length, 'warnings');
const doc = JSON.parse(text);
console.log('operations:', Object.values<any>(doc.paths).flatMap((p) => Object.values<any>(p)).filter((o) => o.operationId).length, 'schemas:', Object.keys(doc.components.schemas).length);

const email = `walk-${Date.now()}@example.test`;
const password = 'Tr3llis-vine-climbs-high';
const post = (path: string, body: unknown, token?: string) =>
  fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
console.log('register', (await post('/auth/register', { email, password, displayName: 'Walk' })).status);
await new Promise((r) => setTimeout(r, 1500));
const mails = readdirSync(`${dataDir}/mail`).map((f) => readFileSync(`${dataDir}/mail/${f}`, 'utf8')).filter((m) => m.includes(email));
const token = /token=([A-Za-z0-9_-]+)/.exec(mails.join('\n').replace(/=\r?\n/g, ''))?.[1];
console.log('verify', (await post('/auth/verify-email', { token })).status);
const login = await (await post('/auth/login', { email, password })).json();
const result = await trackTime({ baseUrl: `${base}/api/v1`, token: login.accessToken, slug: `walk-${Date.now()}` });
console.log('sample:', { clashIds: result.clashIds, entry: result.entry.id, listed: result.listed.length, pageLimit: result.pageLimit });

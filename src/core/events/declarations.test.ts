import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createEventCatalog, EventDeclarationError, Id, Nullable, Payload } from './declarations.ts';
import { eventGraph, formatEventGraph, undeclaredSubscriptions } from './graph.ts';
import { createOutbox } from './outbox.ts';

const ID = '01900000-0000-7000-8000-000000000001';

const shop = {
  name: 'shop',
  events: {
    'shop.order_placed': {
      description: 'An order was placed.',
      schema: Payload({ orderId: Id(), lines: Type.Array(Payload({ sku: Type.String(), qty: Type.Integer() })), note: Nullable(Type.String()) }),
      version: 2,
      public: true,
      target: { type: 'order', field: 'orderId' },
    },
    'shop.cart_abandoned': { description: 'A cart was left.', schema: Payload({ cartId: Id() }), version: 1, public: false, target: null },
  },
};

describe('event catalog', () => {
  it('knows each event with its producer, sorted by type', () => {
    const catalog = createEventCatalog([shop, { name: 'empty' }]);
    expect(catalog.all().map((e) => [e.type, e.producer, e.version, e.public])).toEqual([
      ['shop.cart_abandoned', 'shop', 1, false],
      ['shop.order_placed', 'shop', 2, true],
    ]);
    expect(catalog.get('shop.order_placed')?.target).toEqual({ type: 'order', field: 'orderId' });
    expect(catalog.get('shop.nothing')).toBeUndefined();
  });

  it("refuses an event outside its module's namespace, a type that is not snake case, and a bad version", () => {
    const one = (type: string, version = 1) => [{ name: 'shop', events: { [type]: { ...shop.events['shop.cart_abandoned'], version } } }];
    expect(() => createEventCatalog(one('billing.paid'))).toThrow(/"shop" declares the event "billing.paid"/);
    expect(() => createEventCatalog(one('shop.OrderPaid'))).toThrow(EventDeclarationError);
    expect(() => createEventCatalog(one('shop.paid', 0))).toThrow(/version 0/);
    expect(() => createEventCatalog(one('shop.paid', 1.5))).toThrow(/version 1.5/);
  });

  it('checks a payload against its schema, naming each wrong field', () => {
    const catalog = createEventCatalog([shop]);
    expect(catalog.check('shop.order_placed', { orderId: ID, lines: [{ sku: 'a', qty: 1 }], note: null })).toBeNull();
    const errors = catalog.check('shop.order_placed', { orderId: 'nope', lines: [{ sku: 'a', qty: 'one' }], note: null, extra: 1 });
    expect(errors?.join('\n')).toMatch(/\/orderId/);
    expect(errors?.join('\n')).toMatch(/\/lines\/0\/qty/);
    expect(errors?.join('\n')).toMatch(/additional properties/);
    expect(() => catalog.check('shop.unknown', {})).toThrow(/not declared/);
  });

  it("gives receivers a copy of a public payload with the declared fields only, nested ones too, and leaves the event's alone", () => {
    const catalog = createEventCatalog([shop]);
    const payload = { orderId: ID, lines: [{ sku: 'a', qty: 1, costPrice: 3 }], note: null, internalMargin: 0.4 };
    expect(catalog.publicPayload('shop.order_placed', payload)).toEqual({ orderId: ID, lines: [{ sku: 'a', qty: 1 }], note: null });
    expect(payload.internalMargin).toBe(0.4);
    expect(() => catalog.publicPayload('shop.cart_abandoned', { cartId: ID })).toThrow(/not public/);
  });
});

describe('event graph', () => {
  const catalog = createEventCatalog([shop]);
  const subscribers = [
    { name: 'audit.record', event: '*' as const },
    { name: 'webhooks.fan_out', event: '*' as const, accepts: (type: string) => catalog.get(type)?.public === true },
    { name: 'mail.confirm_order', event: 'shop.order_placed' as never },
  ];

  it('lists the consumers of each event: its own subscribers, and those of every event that accept it', () => {
    expect(eventGraph(catalog, subscribers).map((r) => [r.type, r.consumers])).toEqual([
      ['shop.cart_abandoned', ['audit.record']],
      ['shop.order_placed', ['audit.record', 'mail.confirm_order', 'webhooks.fan_out']],
    ]);
    expect(formatEventGraph(eventGraph(catalog, subscribers)).split('\n')[2]).toBe('shop.order_placed    shop      2  yes     audit.record, mail.confirm_order, webhooks.fan_out');
  });

  it('finds subscribers waiting for an event nobody declares', () => {
    expect(undeclaredSubscriptions(catalog, [...subscribers, { name: 'mail.on_refund', event: 'shop.refunded' as never }])).toEqual(['mail.on_refund (shop.refunded)']);
  });
});

describe('the outbox with a catalog', () => {
  // Refused before anything is written: the executor is never touched.
  const untouched = new Proxy({}, { get: () => { throw new Error('the database was used'); } }) as never;

  it('refuses an event type no module declares', async () => {
    const outbox = createOutbox(createEventCatalog([shop]));
    await expect(outbox.publish(untouched, 'shop.refunded' as never, {} as never)).rejects.toThrow(/"shop.refunded" is not declared/);
  });

  it('refuses a payload its declaration does not allow when checking payloads', async () => {
    const outbox = createOutbox(createEventCatalog([shop]), { checkPayloads: true });
    await expect(outbox.publish(untouched, 'shop.cart_abandoned' as never, { cartId: ID, secret: 'x' } as never)).rejects.toThrow(/does not match its declaration: \(payload\) must NOT have additional properties/);
  });
});

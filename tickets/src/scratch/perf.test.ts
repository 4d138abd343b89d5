import request from 'supertest';
import { DEFAULT_FEES, buyerFee, allInPrice } from '@ticketing/common';
import { newId, useTestDatabase } from '@ticketing/common/testing';
import { ferretdbAdapterOf } from '../../../common/src/mongo/ferretdb';
import mongoose from 'mongoose';
import { Ticket } from '../data/ticket';
import { testService } from '../test/app';

useTestDatabase();
const { app } = testService();

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

it('measures', async () => {
  await Ticket.init();
  const raw = Ticket.db.db!.collection(Ticket.collection.collectionName);
  const events = Array.from({ length: 50 }, () => newId());
  const target = events[0];
  const t = Date.now() - 3600_000;
  const docs = [];
  for (let j = 0; j < 10000; j++) {
    const price = 10 + (j % 97);
    const fee = buyerFee(price, DEFAULT_FEES);
    const at = new Date(t - j * 1000);
    docs.push({ title: `seeded ${j}`, price, fee, allInPrice: allInPrice(price, fee), userId: newId(), eventId: events[j % 50], quantity: 2, split: 'any', holds: [], sales: [], held: 0, sold: 0, available: 2, cancelled: false, cancelledOrderIds: [], outbox: [], version: 0, createdAt: at, updatedAt: at });
  }
  for (let i = 0; i < docs.length; i += 1000) await raw.insertMany(docs.slice(i, i + 1000));
  ferretdbAdapterOf(mongoose.connection)?.views.forget();
  console.log('adapter', Boolean(ferretdbAdapterOf(mongoose.connection)));
  for (const [label, url] of [
    ['event+price', `/api/tickets?eventId=${target}&sort=price`],
    ['event+price limit 100', `/api/tickets?eventId=${target}&sort=price&limit=100`],
    ['event+price page 4', `/api/tickets?eventId=${target}&sort=price&limit=50&offset=150`],
    ['event newest', `/api/tickets?eventId=${target}`],
    ['all price', `/api/tickets?sort=price`],
    ['all newest', `/api/tickets`],
  ]) {
    const first = performance.now();
    const res = await request(app).get(url).expect(200);
    const firstMs = performance.now() - first;
    for (let i = 0; i < 30; i++) await request(app).get(url).expect(200);
    const ms: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = performance.now();
      await request(app).get(url).expect(200);
      ms.push(performance.now() - s);
    }
    console.log(label, 'n', res.body.length, 'first', firstMs.toFixed(1), 'p50', pct(ms, 0.5).toFixed(2), 'p95', pct(ms, 0.95).toFixed(2));
  }
}, 600000);

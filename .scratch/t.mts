import { z } from 'zod';
import { apiRegistry, ListTicketsQuery } from '../functions/contracts/api.ts';
const out = z.toJSONSchema(apiRegistry, { uri: (id) => `#/components/schemas/${id}`, io: 'input' });
console.log(Object.keys(out.schemas), JSON.stringify(out.schemas.CommentResult).slice(0,400));
console.log(JSON.stringify(z.toJSONSchema(ListTicketsQuery, {io:'input'})).slice(0,600));

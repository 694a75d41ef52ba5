// Decodes the Arrow frames in a plugin-host answer with apache-arrow (JavaScript), independently of the
// C# writer. Reads the host's JSON on stdin, replaces every base64 frame by a plain description and writes the
// JSON to stdout:
//   {format: "file", schemaMetadata: {...}, rowCount, fields: [{name, type, typeId, unit, timezone, nullable,
//    metadata: {...}, values: [...]}]}
// Int64 and timestamp values are written as decimal strings (the exact integers: timestamps are nanoseconds).
// A blob that is not an Arrow IPC *file* (ARROW1 magic at both ends) is reported as {error: ...}.
import { RecordBatchReader, Type, TimeUnit } from 'apache-arrow';

const MAGIC = Buffer.from('ARROW1');

function cell(type, value) {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  return value;
}

function rawInt64s(vector) {
  // Timestamps: read the stored 64-bit integers, not apache-arrow's millisecond conversion.
  const out = [];
  for (const data of vector.data) {
    const values = data.values;
    for (let i = 0; i < data.length; i++) {
      if (data.nullBitmap && data.nullBitmap.length > 0 && !data.getValid(i)) {
        out.push(null);
        continue;
      }
      if (values instanceof BigInt64Array) {
        out.push(values[data.offset + i].toString());
      } else {
        // Older layouts: two int32 words per value (low, high).
        const lo = BigInt(values[2 * (data.offset + i)] >>> 0);
        const hi = BigInt(values[2 * (data.offset + i) + 1]);
        out.push(((hi << 32n) + lo).toString());
      }
    }
  }
  return out;
}

function decodeFrame(base64) {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < 12 || !bytes.subarray(0, 6).equals(MAGIC) || !bytes.subarray(bytes.length - 6).equals(MAGIC)) {
    return { error: 'not an Arrow IPC file (ARROW1 magic missing at the start or the end)' };
  }
  const reader = RecordBatchReader.from(bytes).open();
  if (!reader.isFile()) {
    return { error: 'apache-arrow did not read the blob as the IPC file format' };
  }
  // The schema must be taken before iterating: the reader resets when the iteration ends.
  const schema = reader.schema;
  const batches = [...reader];
  const fields = schema.fields.map((field, index) => {
    const values = [];
    const typeId = field.type.typeId;
    for (const batch of batches) {
      const vector = batch.getChildAt(index);
      if (typeId === Type.Timestamp || typeId === Type.Int || typeId === Type.Uint) {
        if (typeId === Type.Timestamp || field.type.bitWidth === 64) {
          values.push(...rawInt64s(vector));
          continue;
        }
      }
      for (let i = 0; i < vector.length; i++) {
        values.push(cell(field.type, vector.get(i)));
      }
    }
    return {
      name: field.name,
      type: Type[typeId],
      typeString: String(field.type),
      unit: typeId === Type.Timestamp ? TimeUnit[field.type.unit] : undefined,
      timezone: typeId === Type.Timestamp ? (field.type.timezone ?? null) : undefined,
      nullable: field.nullable,
      metadata: Object.fromEntries(field.metadata),
      values,
    };
  });
  return {
    format: 'file',
    schemaMetadata: Object.fromEntries(schema.metadata),
    rowCount: batches.reduce((n, b) => n + b.numRows, 0),
    fields,
  };
}

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
for (const response of Object.values(answer.data ?? {})) {
  response.frames = (response.frames ?? []).map((frame) => {
    try {
      return decodeFrame(frame);
    } catch (e) {
      return { error: 'apache-arrow failed: ' + e.message };
    }
  });
}
process.stdout.write(JSON.stringify(answer, null, 1) + '\n');

package mongox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Document is one stored document as plain JSON, for a person's data export: its fields in
// stored order, dates as RFC 3339 strings.
type Document = json.RawMessage

// ExportDocs reads every document of coll that filter matches, in _id order, leaves out the
// fields in drop (secrets and other people's identities; "coach.by" is a field of a
// sub-document) and returns each as plain
// JSON. It is for exports of a person's data, where what a capability stores is given back as
// it is stored, less what is not hers to see.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func ExportDocs(ctx context.Context, coll *mongo.Collection, filter bson.D, drop ...string) ([]Document, error) {
	doing := "export " + coll.Name()
	cur, err := coll.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	docs, err := All[bson.D](ctx, doing, cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]Document, 0, len(docs))
	for _, d := range docs {
		for _, path := range drop {
			d = without(d, strings.Split(path, "."))
		}
		j, err := PlainJSON(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", doing, err)
		}
		out = append(out, j)
	}
	return out, nil
}

// without is d less the field at path.
func without(d bson.D, path []string) bson.D {
	if len(path) == 1 {
		return slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == path[0] })
	}
	for i, e := range d {
		if sub, ok := e.Value.(bson.D); ok && e.Key == path[0] {
			d[i].Value = without(sub, path[1:])
		}
	}
	return d
}

// PlainJSON writes a BSON value as plain JSON: documents as objects in their field order,
// arrays as arrays, dates as RFC 3339 strings in UTC, binary data as base64, and every other
// value as encoding/json writes its Go form.
func PlainJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writePlain(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writePlain(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case bson.D:
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(e.Key)
			b.Write(k)
			b.WriteByte(':')
			if err := writePlain(b, e.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case bson.A:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writePlain(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case bson.DateTime:
		return writeJSON(b, x.Time().UTC().Format(time.RFC3339Nano))
	case bson.Binary:
		return writeJSON(b, base64.StdEncoding.EncodeToString(x.Data))
	case bson.ObjectID:
		return writeJSON(b, x.Hex())
	case bson.Decimal128:
		return writeJSON(b, x.String())
	case bson.Null, nil:
		b.WriteString("null")
		return nil
	}
	return writeJSON(b, v)
}

func writeJSON(b *bytes.Buffer, v any) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write %T as JSON: %w", v, err)
	}
	b.Write(j)
	return nil
}

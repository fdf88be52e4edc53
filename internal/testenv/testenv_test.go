package testenv_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMongoDatabasesAreFreshAndSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testenv.Mongo(t), testenv.Mongo(t)
	if a.Name() == b.Name() {
		t.Fatalf("two tests got the same database %q", a.Name())
	}
	if _, err := a.Collection("things").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	n, err := b.Collection("things").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s sees %d documents written to %s", b.Name(), n, a.Name())
	}
	var got struct {
		N int `bson:"n"`
	}
	if err := a.Collection("things").FindOne(ctx, bson.D{{Key: "_id", Value: "x"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.N != 1 {
		t.Fatalf("n = %d, want 1", got.N)
	}
}

func TestS3BucketRoundTripAndPresignedRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.S3(t)
	c := st.Client()
	body := []byte("0123456789abcdef")
	if _, err := c.PutObject(ctx, st.Bucket(), "a/b.txt", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	u, err := c.PresignedGetObject(ctx, st.Bucket(), "a/b.txt", time.Minute, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Header.Set("Range", "bytes=2-5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(got) != "2345" {
		t.Fatalf("ranged GET: status %d body %q, want 206 %q", resp.StatusCode, got, "2345")
	}

	tampered := strings.Replace(u.String(), "X-Amz-Signature=", "X-Amz-Signature=00", 1)
	resp, err = http.Get(tampered)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("tampered signature: status %d, want 403", resp.StatusCode)
	}
}

func TestS3BucketsAreFresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testenv.S3(t), testenv.S3(t)
	if a.Bucket() == b.Bucket() {
		t.Fatalf("two calls got the same bucket %q", a.Bucket())
	}
	if _, err := a.Client().PutObject(ctx, a.Bucket(), "k", strings.NewReader("v"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	for obj := range b.Client().ListObjects(ctx, b.Bucket(), minio.ListObjectsOptions{Recursive: true}) {
		t.Fatalf("fresh bucket %s holds %q (err %v)", b.Bucket(), obj.Key, obj.Err)
	}
}

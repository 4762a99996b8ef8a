// A database client that keeps working through secret rotations: net/http for the sidecar, database/sql with
// lib/pq or go-sql-driver/mysql for the database (chosen by the secret's "engine"). It opens a connection per
// query, the worst case for a rotation. Builds with Debian's Go and drivers, no module download:
//
//	apt-get install golang-go golang-github-lib-pq-dev golang-github-go-sql-driver-mysql-dev
//	GO111MODULE=off GOPATH=/usr/share/gocode DB_SECRET_ID=prod/db AWS_TOKEN=file:///var/run/latchkey/token go run db-client.go
//
// Environment (the names of the sidecar's Kubernetes and ECS manifests): SECRETS_URL (default
// http://127.0.0.1:2773); AWS_TOKEN, AWS_SESSION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN (file:///path names a
// file holding it); DB_SECRET_ID; QUERY_INTERVAL_MS (default 1000); SIDECAR_WAIT_SECONDS (default 30).
// Prints one line per query and per retry; never a secret value.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"
)

var sidecarURL = envOr("SECRETS_URL", "http://127.0.0.1:2773")
var httpClient = &http.Client{Timeout: 5 * time.Second}

// errUnreachable: the sidecar did not answer (yet), or answered 5xx.
var errUnreachable = errors.New("sidecar unreachable")

// errLoginRefused: the database refused the credentials.
var errLoginRefused = errors.New("login refused")

type dbSecret struct {
	Engine   string          `json:"engine"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"` // a number or a string
	DBName   string          `json:"dbname"`
	Username string          `json:"username"`
	Password string          `json:"password"`
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func readToken() (string, error) {
	for _, name := range []string{"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"} {
		value := os.Getenv(name)
		if value == "" {
			continue
		}
		if strings.HasPrefix(value, "file://") {
			data, err := os.ReadFile(strings.TrimPrefix(value, "file://"))
			return strings.TrimSpace(string(data)), err
		}
		return value, nil
	}
	return "", errors.New("set AWS_TOKEN (or AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN) to the sidecar token")
}

// getSecret: GET /secretsmanager/get with extra parameters; the version id and the secret's fields.
func getSecret(secretID string, extra url.Values) (string, *dbSecret, error) {
	token, err := readToken()
	if err != nil {
		return "", nil, err
	}
	query := url.Values{"secretId": {secretID}}
	for name, values := range extra {
		query[name] = values
	}
	request, err := http.NewRequest("GET", sidecarURL+"/secretsmanager/get?"+query.Encode(), nil)
	if err != nil {
		return "", nil, err
	}
	request.Header.Set("X-Aws-Parameters-Secrets-Token", token)
	response, err := httpClient.Do(request)
	if err != nil {
		return "", nil, fmt.Errorf("%w at %s: %v", errUnreachable, sidecarURL, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", errUnreachable, err)
	}
	if response.StatusCode >= 500 {
		return "", nil, fmt.Errorf("%w: sidecar answered %d: %s", errUnreachable, response.StatusCode, body)
	}
	if response.StatusCode != 200 {
		return "", nil, fmt.Errorf("sidecar answered %d: %s", response.StatusCode, body)
	}
	var answer struct {
		VersionId    string
		SecretString string
	}
	secret := &dbSecret{}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", nil, errors.New("the sidecar's answer is not JSON")
	}
	if err := json.Unmarshal([]byte(answer.SecretString), secret); err != nil {
		return "", nil, errors.New("the secret is not a JSON object") // never echo the value
	}
	return answer.VersionId, secret, nil
}

func (s *dbSecret) port(fallback string) string {
	if port := strings.Trim(string(s.Port), `"`); port != "" {
		return port
	}
	return fallback
}

// runQuery connects with the secret's credentials, runs SELECT 1 and disconnects.
func runQuery(s *dbSecret) error {
	host := s.Host
	if host == "" {
		host = "127.0.0.1"
	}
	var driver, dsn string
	switch s.Engine {
	case "postgres", "aurora-postgresql":
		dbname := s.DBName
		if dbname == "" {
			dbname = "postgres"
		}
		u := url.URL{Scheme: "postgres", User: url.UserPassword(s.Username, s.Password),
			Host: net.JoinHostPort(host, s.port("5432")), Path: "/" + dbname,
			RawQuery: "sslmode=disable&connect_timeout=5"}
		driver, dsn = "postgres", u.String()
	case "mysql", "mariadb", "aurora-mysql":
		config := mysql.NewConfig()
		config.User, config.Passwd, config.Net = s.Username, s.Password, "tcp"
		config.Addr, config.DBName, config.Timeout = net.JoinHostPort(host, s.port("3306")), s.DBName, 5*time.Second
		driver, dsn = "mysql", config.FormatDSN()
	default:
		return fmt.Errorf("unsupported engine %q in the secret", s.Engine)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var one int
	err = db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	var pgErr *pq.Error
	var myErr *mysql.MySQLError
	if (errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000")) ||
		(errors.As(err, &myErr) && myErr.Number == 1045) {
		return fmt.Errorf("%w: %v", errLoginRefused, err)
	}
	return err
}

// recoverLogin is the rotation-safe pattern after a refused login: ask for AWSPENDING (a single-user rotation is
// between setSecret and finishSecret, when only the pending password logs in); if there is none, or it is the
// refused version, ask for AWSCURRENT with refreshNow=true (a rotation has finished); then back off briefly and do
// both again. It returns the credentials that worked.
func recoverLogin(secretID, refused string) (string, *dbSecret, error) {
	retry := 0
	lastErr := errLoginRefused
	for _, backoff := range []time.Duration{0, 200, 500, 1000} {
		time.Sleep(backoff * time.Millisecond)
		for _, stage := range []string{"AWSPENDING", ""} {
			retry++
			extra := url.Values{"refreshNow": {"true"}}
			asked := "refreshNow=true"
			if stage != "" {
				extra.Set("versionStage", stage)
				asked += " versionStage=" + stage
			}
			fmt.Printf("login refused (version %.8s): retry %d, %s\n", refused, retry, asked)
			version, secret, err := getSecret(secretID, extra)
			if err != nil {
				lastErr = err
				continue
			}
			if version == refused {
				continue
			}
			if err := runQuery(secret); err == nil {
				return version, secret, nil
			} else if !errors.Is(err, errLoginRefused) {
				return "", nil, err
			} else {
				lastErr = err
			}
		}
	}
	return "", nil, lastErr
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	secretID := os.Getenv("DB_SECRET_ID")
	if secretID == "" {
		fail("set DB_SECRET_ID to the database secret's name or ARN")
	}
	interval, _ := strconv.Atoi(envOr("QUERY_INTERVAL_MS", "1000"))
	waitSeconds, _ := strconv.Atoi(envOr("SIDECAR_WAIT_SECONDS", "30"))
	// Start-up: the sidecar may still be starting; wait for it, bounded.
	deadline := time.Now().Add(time.Duration(waitSeconds) * time.Second)
	version, secret, err := getSecret(secretID, nil)
	for errors.Is(err, errUnreachable) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		version, secret, err = getSecret(secretID, nil)
	}
	if errors.Is(err, errUnreachable) {
		fail("the sidecar at %s did not answer within %d s (is it running? set SECRETS_URL)", sidecarURL, waitSeconds)
	} else if err != nil {
		fail("%v", err)
	}
	fmt.Printf("reading %s from %s (%s at %s)\n", secretID, sidecarURL, secret.Engine, secret.Host)
	for {
		started := time.Now()
		err := runQuery(secret)
		if errors.Is(err, errLoginRefused) {
			var v string
			var s *dbSecret
			if v, s, err = recoverLogin(secretID, version); err == nil {
				version, secret = v, s
			}
		}
		if err != nil {
			fmt.Printf("query failed: %v\n", err)
		} else {
			fmt.Printf("query ok in %d ms (version %.8s)\n", time.Since(started).Milliseconds(), version)
		}
		time.Sleep(time.Duration(interval) * time.Millisecond)
	}
}

// Test certificates and the one-connection TLS server (test_tls.h).
#include "record/test_tls.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <catch2/catch.hpp>

namespace liqdb::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string Pem(X509* cert) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509(bio.get(), cert) == 1);
  return BioText(bio.get());
}

std::string Pem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return BioText(bio.get());
}

void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  REQUIRE(ext != nullptr);
  REQUIRE(X509_add_ext(cert, ext.get(), -1) == 1);
}

// A version 3 certificate for `key`, valid from a minute ago for an hour.
Owned<X509> NewCert(EVP_PKEY* key, const std::string& cn, long serial) {
  Owned<X509> cert(X509_new());
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1);
  return cert;
}

}  // namespace

TestCert MakeCa(const std::string& cn) {
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  REQUIRE(key != nullptr);
  Owned<X509> cert = NewCert(key.get(), cn, 1);
  REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1);
  AddExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExt(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  return {Pem(cert.get()), Pem(key.get())};
}

TestCert MakeServerCert(const TestCert& ca, const std::string& san) {
  Owned<BIO> cert_bio(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  Owned<BIO> key_bio(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  Owned<X509> ca_cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  Owned<EVP_PKEY> ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(ca_cert != nullptr);
  REQUIRE(ca_key != nullptr);
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  REQUIRE(key != nullptr);
  Owned<X509> cert = NewCert(key.get(), "liqdb test server", 2);
  REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) == 1);
  AddExt(cert.get(), ca_cert.get(), NID_basic_constraints, "CA:FALSE");
  AddExt(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
  AddExt(cert.get(), ca_cert.get(), NID_subject_alt_name, san);
  REQUIRE(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0);
  return {Pem(cert.get()), Pem(key.get())};
}

TlsServer::TlsServer(const std::string& address, const TestCert& cert)
    : ctx_(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address(address), 0)) {
  boost::system::error_code ec;
  ctx_->use_certificate_chain(asio::buffer(cert.cert_pem), ec);
  REQUIRE_FALSE(ec);
  ctx_->use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem, ec);
  REQUIRE_FALSE(ec);
  endpoint_ = acceptor_.local_endpoint();
  thread_ = std::thread([this] {
    boost::system::error_code e;
    asio::ssl::stream<tcp::socket> s(io_, *ctx_);
    acceptor_.accept(s.next_layer(), e);
    accepted_ = true;
    if (e) return;
    s.handshake(asio::ssl::stream_base::server, e);
    const char* name = SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name);
    sni_ = name != nullptr ? name : "";
    if (e) return;  // the client refused the certificate
    handshake_ok_ = true;
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(s, buf, req, e);
    if (e) return;
    if (websocket::is_upgrade(req)) {
      websocket::stream<asio::ssl::stream<tcp::socket>&> ws(s);
      ws.accept(req, e);
      return;  // the client's Connect is done; closing the socket ends it
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.body() = "ok";
    res.keep_alive(false);
    res.prepare_payload();
    http::write(s, res, e);
  });
}

TlsServer::~TlsServer() {
  if (thread_.joinable()) Join();
}

void TlsServer::Join() {
  if (!accepted_) {
    // A connection closed at once ends the accept and the handshake.
    asio::io_context io;
    tcp::socket dummy(io);
    boost::system::error_code ec;
    dummy.connect(endpoint_, ec);
  }
  thread_.join();
}

}  // namespace liqdb::test

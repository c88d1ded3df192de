/* The floor of one scrape: accept, read the request, write a 6 kB response, close. Prints its port,
 * then after N requests (and 5 first, not counted) its CPU per request on stderr. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
static double cpu_ms(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20, one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(0x7f000001);
  socklen_t l = sizeof a;
  if (bind(s, (void *)&a, sizeof a) || listen(s, 16) || getsockname(s, (void *)&a, &l)) return 1;
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  static char body[6001], buf[4096];
  memset(body, 'x', 6000);
  const char *head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 6000\r\nconnection: close\r\n\r\n";
  double t0 = 0;
  for (int i = 0; i < n + 5; i++) {
    if (i == 5) t0 = cpu_ms();
    int c = accept(s, 0, 0);
    if (c < 0) return 1;
    if (read(c, buf, sizeof buf) < 0 || write(c, head, strlen(head)) < 0 || write(c, body, 6000) < 0) return 1;
    close(c);
  }
  fprintf(stderr, "%.3f\n", (cpu_ms() - t0) / n);
  return 0;
}

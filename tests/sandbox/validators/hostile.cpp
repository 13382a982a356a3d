// A validator that tries what it must not: the network, writing outside its feedback directory, changing
// the test's files, a link as teammessage.txt and a huge judgemessage.txt. It reports what it could do in
// judgemessage.txt's first line and accepts.
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "vutil.h"

static std::string result;

static void attempt(const char *what, bool ok)
{
	result += std::string(what) + (ok ? "=DONE " : "=blocked ");
}

int main(int argc, char **argv)
{
	(void)argc;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(atoi("@PORT@"));
	inet_pton(AF_INET, "@HOSTIP@", &a.sin_addr);
	attempt("connect", s >= 0 && connect(s, (sockaddr *)&a, sizeof(a)) == 0);
	attempt("write_answer", open(argv[2], O_WRONLY) >= 0);
	attempt("write_input", open(argv[1], O_WRONLY) >= 0);
	attempt("write_judge_dir", open("/judge/planted", O_WRONLY | O_CREAT, 0644) >= 0);
	attempt("write_root", open("/planted", O_WRONLY | O_CREAT, 0644) >= 0);
	attempt("write_sentinel", open("@SENTINEL@", O_WRONLY | O_APPEND) >= 0);
	attempt("read_secret", open("@SECRET_PATH@", O_RDONLY) >= 0);
	std::string link = std::string(argv[3]) + "teammessage.txt";
	symlink(argv[2], link.c_str());
	feedback(argv[3], "judgemessage.txt", result + "\n" + std::string(100000, 'x'));
	accept();
}

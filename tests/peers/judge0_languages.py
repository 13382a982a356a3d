"""Judge0 CE 1.13.1 language and status tables (reference/judge0-api.md §1.6, §2).

Data only, shared by the peer and its tests.
"""

# Active languages: id -> (name, source_file, compile_cmd, run_cmd). compile_cmd None: interpreted.
ACTIVE = {
    43: ("Plain Text", "text.txt", None, "/bin/cat text.txt"),
    44: ("Executable", "a.out", None, "/bin/chmod +x a.out && ./a.out"),
    45: ("Assembly (NASM 2.14.02)", "main.asm", "/usr/local/nasm-2.14.02/bin/nasmld -f elf64 %s main.asm", "./a.out"),
    46: ("Bash (5.0.0)", "script.sh", None, "/usr/local/bash-5.0/bin/bash script.sh"),
    47: ("Basic (FBC 1.07.1)", "main.bas", "/usr/local/fbc-1.07.1/bin/fbc %s main.bas", "./main"),
    48: ("C (GCC 7.4.0)", "main.c", "/usr/local/gcc-7.4.0/bin/gcc %s main.c", "./a.out"),
    49: ("C (GCC 8.3.0)", "main.c", "/usr/local/gcc-8.3.0/bin/gcc %s main.c", "./a.out"),
    50: ("C (GCC 9.2.0)", "main.c", "/usr/local/gcc-9.2.0/bin/gcc %s main.c", "./a.out"),
    51: ("C# (Mono 6.6.0.161)", "Main.cs", "/usr/local/mono-6.6.0.161/bin/mcs %s Main.cs",
         "/usr/local/mono-6.6.0.161/bin/mono Main.exe"),
    52: ("C++ (GCC 7.4.0)", "main.cpp", "/usr/local/gcc-7.4.0/bin/g++ %s main.cpp",
         "LD_LIBRARY_PATH=/usr/local/gcc-7.4.0/lib64 ./a.out"),
    53: ("C++ (GCC 8.3.0)", "main.cpp", "/usr/local/gcc-8.3.0/bin/g++ %s main.cpp",
         "LD_LIBRARY_PATH=/usr/local/gcc-8.3.0/lib64 ./a.out"),
    54: ("C++ (GCC 9.2.0)", "main.cpp", "/usr/local/gcc-9.2.0/bin/g++ %s main.cpp",
         "LD_LIBRARY_PATH=/usr/local/gcc-9.2.0/lib64 ./a.out"),
    55: ("Common Lisp (SBCL 2.0.0)", "script.lisp", None,
         "SBCL_HOME=/usr/local/sbcl-2.0.0/lib/sbcl /usr/local/sbcl-2.0.0/bin/sbcl --script script.lisp"),
    56: ("D (DMD 2.089.1)", "main.d", "/usr/local/d-2.089.1/linux/bin64/dmd %s main.d", "./main"),
    57: ("Elixir (1.9.4)", "script.exs", None, "/usr/local/elixir-1.9.4/bin/elixir script.exs"),
    58: ("Erlang (OTP 22.2)", "main.erl", None,
         "/bin/sed -i '1s/^/\\n/' main.erl && /usr/local/erlang-22.2/bin/escript main.erl"),
    59: ("Fortran (GFortran 9.2.0)", "main.f90", "/usr/local/gcc-9.2.0/bin/gfortran %s main.f90",
         "LD_LIBRARY_PATH=/usr/local/gcc-9.2.0/lib64 ./a.out"),
    60: ("Go (1.13.5)", "main.go", "GOCACHE=/tmp/.cache/go-build /usr/local/go-1.13.5/bin/go build %s main.go",
         "./main"),
    61: ("Haskell (GHC 8.8.1)", "main.hs", "/usr/local/ghc-8.8.1/bin/ghc %s main.hs", "./main"),
    62: ("Java (OpenJDK 13.0.1)", "Main.java", "/usr/local/openjdk13/bin/javac %s Main.java",
         "/usr/local/openjdk13/bin/java Main"),
    63: ("JavaScript (Node.js 12.14.0)", "script.js", None, "/usr/local/node-12.14.0/bin/node script.js"),
    64: ("Lua (5.3.5)", "script.lua", "/usr/local/lua-5.3.5/luac53 %s script.lua",
         "/usr/local/lua-5.3.5/lua53 ./luac.out"),
    65: ("OCaml (4.09.0)", "main.ml", "/usr/local/ocaml-4.09.0/bin/ocamlc %s main.ml", "./a.out"),
    66: ("Octave (5.1.0)", "script.m", None, "/usr/local/octave-5.1.0/bin/octave-cli -q --no-gui --no-history script.m"),
    67: ("Pascal (FPC 3.0.4)", "main.pas", "/usr/local/fpc-3.0.4/bin/fpc %s main.pas", "./main"),
    68: ("PHP (7.4.1)", "script.php", None, "/usr/local/php-7.4.1/bin/php script.php"),
    69: ("Prolog (GNU Prolog 1.4.5)", "main.pro",
         'PATH="/usr/local/gprolog-1.4.5/gprolog-1.4.5/bin:$PATH" '
         "/usr/local/gprolog-1.4.5/gprolog-1.4.5/bin/gplc --no-top-level %s main.pro", "./main"),
    70: ("Python (2.7.17)", "script.py", None, "/usr/local/python-2.7.17/bin/python2 script.py"),
    71: ("Python (3.8.1)", "script.py", None, "/usr/local/python-3.8.1/bin/python3 script.py"),
    72: ("Ruby (2.7.0)", "script.rb", None, "/usr/local/ruby-2.7.0/bin/ruby script.rb"),
    73: ("Rust (1.40.0)", "main.rs", "/usr/local/rust-1.40.0/bin/rustc %s main.rs", "./main"),
    74: ("TypeScript (3.7.4)", "script.ts", "/usr/bin/tsc %s script.ts", "/usr/local/node-12.14.0/bin/node script.js"),
    75: ("C (Clang 7.0.1)", "main.c", "/usr/bin/clang-7 %s main.c", "./a.out"),
    76: ("C++ (Clang 7.0.1)", "main.cpp", "/usr/bin/clang++-7 %s main.cpp", "./a.out"),
    77: ("COBOL (GnuCOBOL 2.2)", "main.cob", "/usr/local/gnucobol-2.2/bin/cobc -free -x %s main.cob",
         "LD_LIBRARY_PATH=/usr/local/gnucobol-2.2/lib ./main"),
    78: ("Kotlin (1.3.70)", "Main.kt", "/usr/local/kotlin-1.3.70/bin/kotlinc %s Main.kt",
         "/usr/local/kotlin-1.3.70/bin/kotlin MainKt"),
    79: ("Objective-C (Clang 7.0.1)", "main.m",
         "/usr/bin/clang-7 `gnustep-config --objc-flags | sed 's/-W[^ ]* //g'` `gnustep-config --base-libs | "
         "sed 's/-shared-libgcc//'` -I/usr/lib/gcc/x86_64-linux-gnu/8/include main.m %s", "./a.out"),
    80: ("R (4.0.0)", "script.r", None, "/usr/local/r-4.0.0/bin/Rscript script.r"),
    81: ("Scala (2.13.2)", "Main.scala", "/usr/local/scala-2.13.2/bin/scalac %s Main.scala",
         "/usr/local/scala-2.13.2/bin/scala Main"),
    82: ("SQL (SQLite 3.27.2)", "script.sql", None, "/bin/cat script.sql | /usr/bin/sqlite3 db.sqlite"),
    83: ("Swift (5.2.3)", "Main.swift", "/usr/local/swift-5.2.3/bin/swiftc %s Main.swift", "./Main"),
    84: ("Visual Basic.Net (vbnc 0.0.0.5943)", "Main.vb", "/usr/bin/vbnc %s Main.vb", "/usr/bin/mono Main.exe"),
    85: ("Perl (5.28.1)", "script.pl", None, "/usr/bin/perl script.pl"),
    86: ("Clojure (1.10.1)", "main.clj", None, "/usr/local/bin/java -jar /usr/local/clojure-1.10.1/clojure.jar main.clj"),
    87: ("F# (.NET Core SDK 3.1.202)", "script.fsx", None,
         "mkdir -p ~/.dotnet && touch ~/.dotnet/3.1.202.dotnetFirstUseSentinel && "
         "/usr/local/dotnet-sdk/dotnet fsi script.fsx"),
    88: ("Groovy (3.0.3)", "script.groovy", "/usr/local/groovy-3.0.3/bin/groovyc %s script.groovy",
         '/usr/local/bin/java -cp ".:/usr/local/groovy-3.0.3/lib/*" script'),
    89: ("Multi-file program", None, None, None),
}

# GET /languages order as captured from a real 1.13.x server (§2.2: PostgreSQL collation of the names).
ACTIVE_ORDER = [45, 46, 47, 75, 76, 48, 52, 49, 53, 50, 54, 86, 51, 77, 55, 56, 57, 58, 44, 87, 59, 60, 88, 61,
                62, 63, 78, 64, 89, 79, 65, 66, 67, 85, 68, 43, 69, 70, 71, 80, 72, 73, 81, 82, 83, 74, 84]

ARCHIVED = {
    1: "Bash (4.4)", 2: "Bash (4.0)", 3: "Basic (fbc 1.05.0)", 4: "C (gcc 7.2.0)", 5: "C (gcc 6.4.0)",
    6: "C (gcc 6.3.0)", 7: "C (gcc 5.4.0)", 8: "C (gcc 4.9.4)", 9: "C (gcc 4.8.5)", 10: "C++ (g++ 7.2.0)",
    11: "C++ (g++ 6.4.0)", 12: "C++ (g++ 6.3.0)", 13: "C++ (g++ 5.4.0)", 14: "C++ (g++ 4.9.4)",
    15: "C++ (g++ 4.8.5)", 16: "C# (mono 5.4.0.167)", 17: "C# (mono 5.2.0.224)", 18: "Clojure (1.8.0)",
    19: "Crystal (0.23.1)", 20: "Elixir (1.5.1)", 21: "Erlang (OTP 20.0)", 22: "Go (1.9)", 23: "Haskell (ghc 8.2.1)",
    24: "Haskell (ghc 8.0.2)", 25: "Insect (5.0.0)", 26: "Java (OpenJDK 9 with Eclipse OpenJ9)",
    27: "Java (OpenJDK 8)", 28: "Java (OpenJDK 7)", 29: "JavaScript (nodejs 8.5.0)", 30: "JavaScript (nodejs 7.10.1)",
    31: "OCaml (4.05.0)", 32: "Octave (4.2.0)", 33: "Pascal (fpc 3.0.0)", 34: "Python (3.6.0)", 35: "Python (3.5.3)",
    36: "Python (2.7.9)", 37: "Python (2.6.9)", 38: "Ruby (2.4.0)", 39: "Ruby (2.3.3)", 40: "Ruby (2.2.6)",
    41: "Ruby (2.1.9)", 42: "Rust (1.20.0)",
}

STATUSES = {
    1: "In Queue",
    2: "Processing",
    3: "Accepted",
    4: "Wrong Answer",
    5: "Time Limit Exceeded",
    6: "Compilation Error",
    7: "Runtime Error (SIGSEGV)",
    8: "Runtime Error (SIGXFSZ)",
    9: "Runtime Error (SIGFPE)",
    10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)",
    12: "Runtime Error (Other)",
    13: "Internal Error",
    14: "Exec Format Error",
}

# Every attribute, in the column order Judge0 emits them (§1.3).
ALL_FIELDS = [
    "source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at", "finished_at",
    "time", "memory", "stderr", "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time", "wall_time_limit",
    "memory_limit", "stack_limit", "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size", "compile_output", "exit_code", "exit_signal",
    "message", "wall_time", "compiler_options", "command_line_arguments", "redirect_stderr_to_stdout",
    "callback_url", "additional_files", "enable_network", "status", "language",
]
DEFAULT_FIELDS = ["token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"]

# Text attributes stored base64 (plus message, encoded on the fly).
BASE64_FIELDS = {"source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output", "message"}

CONFIG_INFO = [
    ("maintenance_mode", False), ("enable_wait_result", True), ("enable_compiler_options", True),
    ("allowed_languages_for_compile_options", []), ("enable_command_line_arguments", True),
    ("enable_submission_delete", False), ("enable_callbacks", True), ("callbacks_max_tries", 3),
    ("callbacks_timeout", 5.0), ("enable_additional_files", True), ("max_queue_size", 100),
    ("cpu_time_limit", 5.0), ("max_cpu_time_limit", 15.0), ("cpu_extra_time", 1.0), ("max_cpu_extra_time", 5.0),
    ("wall_time_limit", 10.0), ("max_wall_time_limit", 20.0), ("memory_limit", 128000),
    ("max_memory_limit", 512000), ("stack_limit", 64000), ("max_stack_limit", 128000),
    ("max_processes_and_or_threads", 60), ("max_max_processes_and_or_threads", 120),
    ("enable_per_process_and_thread_time_limit", False), ("allow_enable_per_process_and_thread_time_limit", True),
    ("enable_per_process_and_thread_memory_limit", False),
    ("allow_enable_per_process_and_thread_memory_limit", True), ("max_file_size", 1024),
    ("max_max_file_size", 4096), ("number_of_runs", 1), ("max_number_of_runs", 20),
    ("redirect_stderr_to_stdout", False), ("max_extract_size", 10240), ("enable_batched_submissions", True),
    ("max_submission_batch_size", 20), ("submission_cache_duration", 1.0), ("use_docs_as_homepage", False),
    ("allow_enable_network", True), ("enable_network", False),
]

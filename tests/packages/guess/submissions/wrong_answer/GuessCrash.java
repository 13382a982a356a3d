// Guesses 0 (out of range), then crashes: the validator has already said WA, which wins.
public class GuessCrash {
    public static void main(String[] args) throws Exception {
        System.out.println(0);
        System.out.flush();
        System.in.read();
        throw new IllegalStateException("crash after the wrong guess");
    }
}
